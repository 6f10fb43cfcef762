-- One agent's sessions as the warehouse knows them: which exist, and which are not settled.
SELECT session_id, settled_at IS NOT NULL AS settled
FROM sessions
WHERE agent_id = $agent_id AND gone_at IS NULL;
