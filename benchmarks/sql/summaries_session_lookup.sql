-- One session's summary, as a user asks for it.
SELECT * FROM session_score_summary WHERE agent_name = $agent_name AND session_id = $session_id;
