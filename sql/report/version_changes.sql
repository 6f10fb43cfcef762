-- The latest week's change per agent version and module against the same version's week
-- before, in scale units (0-1) so judge and statistical modules rank together; worst first.
WITH latest AS (
    SELECT max(week_start) AS week_start FROM weekly_scores WHERE prev_week_mean_score IS NOT NULL
)
SELECT
    w.week_start,
    w.agent_name,
    w.agent_version,
    w.module,
    w.mean_score,
    w.prev_week_mean_score,
    w.change_vs_prev_week,
    w.change_vs_prev_week / (m.max_score - m.min_score) AS change_normalized,
    w.n_scored,
    w.prev_week_n_scored
FROM weekly_scores AS w
JOIN latest AS l ON l.week_start = w.week_start
JOIN module_scales AS m ON m.module = w.module
WHERE w.change_vs_prev_week IS NOT NULL
ORDER BY change_normalized, w.agent_name, w.agent_version, w.module
LIMIT $limit;
