-- One agent's summary, as a user asks for it.
SELECT * FROM agent_score_summary WHERE agent_name = $agent_name;
