-- After a full refresh of one agent: what the API no longer returns is marked gone, not deleted.
-- `seen_sessions` and `seen_jobs` hold the ids this refresh read. Jobs are judged only where the
-- refresh read them all: the whole agent, or (read session by session) the sessions it read.
UPDATE sessions SET gone_at = $synced_at, settled_at = NULL
WHERE agent_id = $agent_id
    AND gone_at IS NULL
    AND session_id NOT IN (SELECT session_id FROM seen_sessions);

UPDATE scoring_jobs SET gone_at = $synced_at
WHERE agent_name = $agent_name
    AND gone_at IS NULL
    AND job_id NOT IN (SELECT job_id FROM seen_jobs)
    AND ($jobs_agent_wide OR agent_session_id IN (SELECT session_id FROM seen_sessions)
        OR agent_session_id IN (SELECT session_id FROM sessions WHERE gone_at = $synced_at));

UPDATE scoring_job_history SET valid_to = $synced_at
WHERE valid_to IS NULL
    AND job_id IN (SELECT job_id FROM scoring_jobs WHERE gone_at = $synced_at);
