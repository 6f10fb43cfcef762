-- One turn's summary, as a user asks for it.
SELECT *
FROM turn_score_summary
WHERE agent_name = $agent_name AND session_id = $session_id AND turn = $turn;
