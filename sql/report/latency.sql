-- Score arrival after session end per agent, all weeks together.
SELECT
    agent_name,
    count(settle_latency_seconds) AS n_measured,
    quantile_cont(settle_latency_seconds, 0.5) AS p50_latency_seconds,
    quantile_cont(settle_latency_seconds, 0.9) AS p90_latency_seconds,
    count(pending_after_end_seconds) AS n_pending_after_end,
    max(pending_after_end_seconds) AS max_pending_after_end_seconds
FROM job_scores
WHERE session_end_time IS NOT NULL AND agent_name IS NOT NULL
GROUP BY agent_name
ORDER BY agent_name;
