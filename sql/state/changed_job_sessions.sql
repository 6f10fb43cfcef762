-- The sessions of a fetched batch of jobs (registered as `batch`) whose jobs are new or differ
-- from what the warehouse holds: their API summaries must be fetched again to reconcile.
SELECT DISTINCT b.agent_session_id AS session_id
FROM batch AS b
LEFT JOIN scoring_jobs AS j USING (job_id)
WHERE b.agent_session_id IS NOT NULL
    AND (j.job_id IS NULL
        OR j.gone_at IS NOT NULL
        OR j.status IS DISTINCT FROM b.status
        OR j.score IS DISTINCT FROM b.score
        OR j.explanation IS DISTINCT FROM b.explanation
        OR j.agent_turn IS DISTINCT FROM b.agent_turn
        OR j.module IS DISTINCT FROM b.module);
