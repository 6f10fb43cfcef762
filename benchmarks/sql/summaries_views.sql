-- Every summary of the three views computed in full (job id lists included), as one result row.
SELECT
    (SELECT sum(len(job_ids)) FROM agent_score_summary) AS agent_job_ids,
    (SELECT sum(len(job_ids)) FROM session_score_summary) AS session_job_ids,
    (SELECT sum(len(job_ids)) FROM turn_score_summary) AS turn_job_ids;
