-- Agent × agent version × module × turn number: do scores fall as conversations go on?
-- Jobs without a turn (scored on the session as a whole) have no place on this axis.
CREATE OR REPLACE VIEW scores_by_turn AS
SELECT
    agent_name,
    agent_version,
    module,
    turn,
    any_value(scale) AS scale,
    count(DISTINCT session_id) AS n_sessions,
    count(*) AS n_jobs,
    count(*) FILTER (WHERE is_scored) AS n_scored,
    CAST(sum(score) FILTER (WHERE is_scored) AS DOUBLE) AS score_sum,
    CAST(avg(score) FILTER (WHERE is_scored) AS DOUBLE) AS mean_score,
    CAST(avg(score_normalized) AS DOUBLE) AS mean_score_normalized,
    CAST(quantile_cont(score, 0.5) FILTER (WHERE is_scored) AS DOUBLE) AS p50_score
FROM job_scores
WHERE turn IS NOT NULL
GROUP BY agent_name, agent_version, module, turn;
