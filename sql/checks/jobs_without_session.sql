-- Jobs whose agent_session_id names no session we hold (jobs without a session id are fine).
SELECT
    count(*) AS orphaned_jobs,
    list(j.job_id ORDER BY j.job_id)[1:5] AS sample_job_ids
FROM scoring_jobs AS j
ANTI JOIN sessions AS s ON s.session_id = j.agent_session_id
WHERE j.agent_session_id IS NOT NULL;
