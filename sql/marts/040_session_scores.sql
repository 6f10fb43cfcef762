-- One wide row per session still in the API: its facts and each module's mean score in a column of its own.
-- The module columns are the modules of sql/schema/002_module_scales.sql, spelled out so the
-- schema is the same whatever the data holds: a module the API adds gets a column here (and
-- its comment in 900_comments.sql). Until then it counts in n_scored and the normalised mean.
CREATE OR REPLACE VIEW session_scores AS
WITH per_session AS (
    SELECT
        session_id,
        count(*) AS n_jobs,
        count(*) FILTER (WHERE NOT is_settled) AS n_pending,
        count(*) FILTER (WHERE status = 'failed') AS n_failed,
        count(*) FILTER (WHERE status = 'not_run') AS n_not_run,
        count(*) FILTER (WHERE is_scored) AS n_scored,
        max(turn) AS max_turn,
        CAST(avg(score_normalized) AS DOUBLE) AS mean_score_normalized,
        CAST(avg(score) FILTER (WHERE is_scored AND module = 'correctness') AS DOUBLE)
            AS correctness,
        CAST(avg(score) FILTER (WHERE is_scored AND module = 'coherence') AS DOUBLE)
            AS coherence,
        CAST(avg(score) FILTER (WHERE is_scored AND module = 'faithfulness') AS DOUBLE)
            AS faithfulness,
        CAST(avg(score) FILTER (WHERE is_scored AND module = 'observed_consistency') AS DOUBLE)
            AS observed_consistency,
        CAST(avg(score) FILTER (WHERE is_scored AND module = 'data_grounding') AS DOUBLE)
            AS data_grounding
    FROM job_scores
    WHERE session_id IS NOT NULL
    GROUP BY session_id
)
SELECT
    s.session_id,
    s.agent_id,
    s.agent_name,
    s.agent_version,
    s.status AS session_status,
    s.start_time,
    s.end_time,
    utc_date(s.start_time) AS start_date,
    CAST(epoch(s.end_time) - epoch(s.start_time) AS DOUBLE) AS duration_seconds,
    s.messages_count,
    coalesce(p.n_jobs, 0) AS n_jobs,
    coalesce(p.n_pending, 0) AS n_pending,
    coalesce(p.n_failed, 0) AS n_failed,
    coalesce(p.n_not_run, 0) AS n_not_run,
    coalesce(p.n_scored, 0) AS n_scored,
    p.max_turn,
    s.end_time IS NOT NULL AND coalesce(p.n_pending, 0) = 0 AS scores_final,
    p.mean_score_normalized,
    p.correctness,
    p.coherence,
    p.faithfulness,
    p.observed_consistency,
    p.data_grounding
FROM sessions AS s
LEFT JOIN per_session AS p ON p.session_id = s.session_id
WHERE s.gone_at IS NULL;
