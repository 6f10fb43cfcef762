-- The report's headline numbers.
SELECT
    (SELECT count(*) FROM agents WHERE gone_at IS NULL) AS agents,
    (SELECT count(*) FROM sessions WHERE gone_at IS NULL) AS sessions,
    count(*) AS jobs,
    count(*) FILTER (WHERE is_scored) AS scored_jobs,
    count(*) FILTER (WHERE NOT is_settled) AS pending_jobs,
    min(score_date) AS first_day,
    max(score_date) AS last_day,
    max(last_seen_at) AS last_synced_at,
    (SELECT coalesce(sum(compared), 0) FROM summary_reconciliation_totals) AS summaries_compared,
    (SELECT coalesce(sum(mismatched), 0) FROM summary_reconciliation_totals)
        AS summaries_mismatched
FROM job_scores;
