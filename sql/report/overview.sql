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
    (SELECT count(*) FROM summary_reconciliation) AS summaries_compared,
    (SELECT count(*) FROM summary_reconciliation WHERE NOT matches) AS summaries_mismatched
FROM job_scores;
