-- Week × agent × agent version × module, each row beside the same version's previous week
-- and the whole agent's week: "did faithfulness drop for version 1.4 last week?" in one read.
CREATE OR REPLACE VIEW weekly_scores AS
WITH
weekly AS (
    SELECT
        week_start(score_date) AS week_start,
        agent_name,
        agent_version,
        module,
        any_value(scale) AS scale,
        count(*) AS n_jobs,
        count(*) FILTER (WHERE is_settled) AS n_settled,
        count(*) FILTER (WHERE status = 'failed') AS n_failed,
        count(*) FILTER (WHERE is_scored) AS n_scored,
        CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE) AS mean_score,
        CAST(avg(score_normalized) AS DOUBLE) AS mean_score_normalized,
        CAST(quantile_cont(score, 0.5) FILTER (WHERE is_scored) AS DOUBLE) AS p50_score
    FROM job_scores
    GROUP BY ALL
),
agent_weekly AS (
    SELECT
        week_start(score_date) AS week_start,
        agent_name,
        module,
        CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE) AS agent_mean_score
    FROM job_scores
    GROUP BY ALL
)
SELECT
    w.week_start,
    w.agent_name,
    w.agent_version,
    w.module,
    w.scale,
    w.n_jobs,
    w.n_settled,
    w.n_scored,
    w.mean_score,
    w.mean_score_normalized,
    w.p50_score,
    mart_rate(w.n_failed, w.n_settled) AS failed_rate,
    p.mean_score AS prev_week_mean_score,
    p.n_scored AS prev_week_n_scored,
    w.mean_score - p.mean_score AS change_vs_prev_week,
    a.agent_mean_score,
    w.mean_score - a.agent_mean_score AS diff_vs_agent
FROM weekly AS w
-- The calendar week before, not the previous row: a version idle for a week compares to nothing.
LEFT JOIN weekly AS p
    ON p.week_start = w.week_start - 7
    AND p.agent_name IS NOT DISTINCT FROM w.agent_name
    AND p.agent_version IS NOT DISTINCT FROM w.agent_version
    AND p.module = w.module
LEFT JOIN agent_weekly AS a
    ON a.week_start = w.week_start
    AND a.agent_name IS NOT DISTINCT FROM w.agent_name
    AND a.module = w.module;
