-- Day × agent × agent version × module: volumes, score distribution, failure rates.
-- Quantiles are computed once as a list per group, then split into columns.
CREATE OR REPLACE VIEW daily_scores AS
WITH grouped AS (
    SELECT
        score_date,
        agent_name,
        agent_version,
        module,
        any_value(scale) AS scale,
        count(*) AS n_jobs,
        count(*) FILTER (WHERE NOT is_settled) AS n_pending,
        count(*) FILTER (WHERE is_settled) AS n_settled,
        count(*) FILTER (WHERE status = 'completed') AS n_completed,
        count(*) FILTER (WHERE status = 'failed') AS n_failed,
        count(*) FILTER (WHERE status = 'not_run') AS n_not_run,
        count(*) FILTER (WHERE is_scored) AS n_scored,
        sum(score) FILTER (WHERE is_scored) AS score_sum,
        avg(score) FILTER (WHERE is_scored) AS mean_score,
        quantile_cont(score, [0.1, 0.5, 0.9]) FILTER (WHERE is_scored) AS quantiles,
        sum(score_normalized) AS score_normalized_sum,
        avg(score_normalized) AS mean_score_normalized
    FROM job_scores
    GROUP BY score_date, agent_name, agent_version, module
)
SELECT
    score_date,
    agent_name,
    agent_version,
    module,
    scale,
    n_jobs,
    n_pending,
    n_settled,
    n_completed,
    n_failed,
    n_not_run,
    n_scored,
    CAST(score_sum AS DOUBLE) AS score_sum,
    CAST(mean_score AS DOUBLE) AS mean_score,
    CAST(quantiles[1] AS DOUBLE) AS p10_score,
    CAST(quantiles[2] AS DOUBLE) AS p50_score,
    CAST(quantiles[3] AS DOUBLE) AS p90_score,
    CAST(score_normalized_sum AS DOUBLE) AS score_normalized_sum,
    CAST(mean_score_normalized AS DOUBLE) AS mean_score_normalized,
    mart_rate(n_failed, n_settled) AS failed_rate,
    mart_rate(n_not_run, n_settled) AS not_run_rate
FROM grouped;
