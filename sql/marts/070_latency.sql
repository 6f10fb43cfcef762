-- How long scores take to arrive after a session ends, per session and per week.
--
-- A job's settle time is known only to within one sync: it settled after the last sync that
-- saw it pending (or missing) and by the first that saw it settled. settle_latency_seconds in
-- job_scores is that upper bound, NULL where no earlier sync bounds it (a backfill). Scores
-- still pending count by how long they have waited so far, as of the last sync.

-- Ended sessions that have jobs: when their last score arrived, or how long they still wait.
CREATE OR REPLACE VIEW session_settlement AS
SELECT
    session_id,
    any_value(agent_name) AS agent_name,
    any_value(agent_version) AS agent_version,
    any_value(session_status) AS session_status,
    any_value(session_end_time) AS end_time,
    count(*) AS n_jobs,
    count(*) FILTER (WHERE NOT is_settled) AS n_pending,
    bool_and(is_settled) AS is_settled,
    list_sort(list(DISTINCT module) FILTER (WHERE NOT is_settled)) AS pending_modules,
    -- Known only when every job's arrival is bounded; otherwise the slowest is unknown.
    CASE
        WHEN bool_and(is_settled) AND count(settle_latency_seconds) = count(*)
            THEN max(settle_latency_seconds)
    END AS settle_latency_seconds,
    max(pending_after_end_seconds) AS pending_after_end_seconds,
    coalesce(
        max(pending_after_end_seconds),
        CASE
            WHEN bool_and(is_settled) AND count(settle_latency_seconds) = count(*)
                THEN max(settle_latency_seconds)
        END
    ) AS wait_seconds,
    max(last_seen_at) AS as_of
FROM job_scores
WHERE session_id IS NOT NULL AND session_end_time IS NOT NULL
GROUP BY session_id;

-- Week of the session × agent × module: the distribution of arrival delays.
CREATE OR REPLACE VIEW score_latency AS
WITH grouped AS (
    SELECT
        week_start(score_date) AS week_start,
        agent_name,
        module,
        count(*) AS n_jobs,
        count(settle_latency_seconds) AS n_measured,
        quantile_cont(settle_latency_seconds, [0.5, 0.9]) AS quantiles,
        max(settle_latency_seconds) AS max_latency_seconds,
        count(pending_after_end_seconds) AS n_pending_after_end,
        max(pending_after_end_seconds) AS max_pending_after_end_seconds
    FROM job_scores
    WHERE session_end_time IS NOT NULL
    GROUP BY ALL
)
SELECT
    week_start,
    agent_name,
    module,
    n_jobs,
    n_measured,
    CAST(quantiles[1] AS DOUBLE) AS p50_latency_seconds,
    CAST(quantiles[2] AS DOUBLE) AS p90_latency_seconds,
    CAST(max_latency_seconds AS DOUBLE) AS max_latency_seconds,
    n_pending_after_end,
    CAST(max_pending_after_end_seconds AS DOUBLE) AS max_pending_after_end_seconds
FROM grouped;
