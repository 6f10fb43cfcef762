-- Ended sessions slowest to settle: those still waiting for a score first if they have waited
-- longest, else the longest measured arrivals.
SELECT
    session_id,
    agent_name,
    agent_version,
    end_time,
    n_jobs,
    n_pending,
    is_settled,
    pending_modules,
    wait_seconds
FROM session_settlement
WHERE wait_seconds IS NOT NULL
ORDER BY wait_seconds DESC, session_id
LIMIT $limit;
