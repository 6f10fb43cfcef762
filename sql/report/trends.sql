-- Daily mean score per agent and module on the 0-1 scale, all versions together: one line per
-- module in one panel per agent. Sums re-aggregate the versions exactly.
SELECT
    agent_name,
    module,
    score_date,
    sum(n_scored) AS n_scored,
    sum(score_normalized_sum) / sum(n_scored) AS mean_score_normalized,
    sum(score_sum) / sum(n_scored) AS mean_score
FROM daily_scores
WHERE n_scored > 0 AND agent_name IS NOT NULL AND score_normalized_sum IS NOT NULL
GROUP BY agent_name, module, score_date
ORDER BY agent_name, module, score_date;
