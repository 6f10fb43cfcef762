-- Day × agent × version × tool (or workflow) × module. Sums and counts are additive, so any
-- coarser question (all days, all agents) is one GROUP BY away: sum(score_sum) / sum(n_scored).
CREATE OR REPLACE VIEW tool_scores AS
SELECT
    score_date,
    agent_name,
    agent_version,
    tool_id,
    module,
    any_value(scale) AS scale,
    count(*) AS n_jobs,
    count(*) FILTER (WHERE is_settled) AS n_settled,
    count(*) FILTER (WHERE status = 'failed') AS n_failed,
    count(*) FILTER (WHERE status = 'not_run') AS n_not_run,
    count(*) FILTER (WHERE is_scored) AS n_scored,
    CAST(sum(score) FILTER (WHERE is_scored) AS DOUBLE) AS score_sum,
    CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE) AS mean_score,
    CAST(sum(score_normalized) AS DOUBLE) AS score_normalized_sum,
    CAST(avg(score_normalized) AS DOUBLE) AS mean_score_normalized
FROM job_scores
WHERE tool_id IS NOT NULL
GROUP BY score_date, agent_name, agent_version, tool_id, module;

CREATE OR REPLACE VIEW workflow_scores AS
SELECT
    score_date,
    agent_name,
    agent_version,
    workflow_name,
    workflow_version,
    module,
    any_value(scale) AS scale,
    count(*) AS n_jobs,
    count(*) FILTER (WHERE is_settled) AS n_settled,
    count(*) FILTER (WHERE status = 'failed') AS n_failed,
    count(*) FILTER (WHERE status = 'not_run') AS n_not_run,
    count(*) FILTER (WHERE is_scored) AS n_scored,
    CAST(sum(score) FILTER (WHERE is_scored) AS DOUBLE) AS score_sum,
    CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE) AS mean_score,
    CAST(sum(score_normalized) AS DOUBLE) AS score_normalized_sum,
    CAST(avg(score_normalized) AS DOUBLE) AS mean_score_normalized
FROM job_scores
WHERE workflow_name IS NOT NULL
GROUP BY score_date, agent_name, agent_version, workflow_name, workflow_version, module;
