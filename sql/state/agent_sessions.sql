-- One agent's sessions as the warehouse knows them: which exist, which are not settled, and
-- the agent version each ran (the jobs plan may ask for one version's jobs at once).
SELECT session_id, settled_at IS NOT NULL AS settled, agent_version
FROM sessions
WHERE agent_id = $agent_id AND gone_at IS NULL;
