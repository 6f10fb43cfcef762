-- Derive settled_at for one agent's sessions after its jobs loaded. Settled: the session's
-- status is terminal and every one of its jobs is terminal (completed, failed, not_run); a
-- status the API adds later counts as pending. Settled sessions are not read again by
-- incremental syncs, so a session only settles on evidence, and unsettles if it changes.
UPDATE sessions AS s
SET settled_at = CASE WHEN e.settled THEN coalesce(s.settled_at, $synced_at) END
FROM (
    SELECT
        s.session_id,
        s.status IN ('COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED')
            AND count(j.job_id) FILTER (
                WHERE j.status NOT IN ('completed', 'failed', 'not_run')
            ) = 0 AS settled
    FROM sessions AS s
    LEFT JOIN scoring_jobs AS j ON j.agent_session_id = s.session_id AND j.gone_at IS NULL
    WHERE s.agent_id = $agent_id AND s.gone_at IS NULL
    GROUP BY s.session_id, s.status
) AS e
WHERE s.session_id = e.session_id
    AND s.settled_at IS DISTINCT FROM (CASE WHEN e.settled THEN coalesce(s.settled_at, $synced_at) END);
