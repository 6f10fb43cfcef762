-- Day × agent × version × tool (or workflow) × module. Sums and counts are additive, so any
-- coarser question (all days, all agents) is one GROUP BY away: sum(score_sum) / sum(n_scored).
-- The measures every breakdown carries, over the jobs of one group.
CREATE OR REPLACE MACRO breakdown_measures(
    scale, status, is_settled, is_scored, score, score_normalized
) AS {
    'scale': any_value(scale),
    'n_jobs': count(*),
    'n_settled': count(*) FILTER (WHERE is_settled),
    'n_failed': count(*) FILTER (WHERE status = 'failed'),
    'n_not_run': count(*) FILTER (WHERE status = 'not_run'),
    'n_scored': count(*) FILTER (WHERE is_scored),
    'score_sum': CAST(sum(score) FILTER (WHERE is_scored) AS DOUBLE),
    'mean_score': CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE),
    'score_normalized_sum': CAST(sum(score_normalized) AS DOUBLE),
    'mean_score_normalized': CAST(avg(score_normalized) AS DOUBLE)
};

CREATE OR REPLACE VIEW tool_scores AS
SELECT
    score_date,
    agent_name,
    agent_version,
    tool_id,
    module,
    unnest(breakdown_measures(scale, status, is_settled, is_scored, score, score_normalized))
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
    unnest(breakdown_measures(scale, status, is_settled, is_scored, score, score_normalized))
FROM job_scores
WHERE workflow_name IS NOT NULL
GROUP BY score_date, agent_name, agent_version, workflow_name, workflow_version, module;
