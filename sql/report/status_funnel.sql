-- Jobs by status per agent, and the funnel they pass through: created, settled, completed,
-- scored (completed with a score).
SELECT
    coalesce(agent_name, '(no agent)') AS agent_name,
    count(*) AS jobs,
    count(*) FILTER (WHERE status = 'submitted') AS submitted,
    count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    count(*) FILTER (WHERE status = 'not_run') AS not_run,
    count(*) FILTER (
        WHERE status NOT IN ('submitted', 'in_progress', 'completed', 'failed', 'not_run')
    ) AS other,
    count(*) FILTER (WHERE is_settled) AS settled,
    count(*) FILTER (WHERE is_scored) AS scored
FROM job_scores
GROUP BY ALL
ORDER BY jobs DESC, agent_name;
