-- Compared and mismatched summaries per level, from the last reconciliation.
SELECT
    level,
    count(*) AS compared,
    count(*) FILTER (WHERE NOT matches) AS mismatched
FROM summary_reconciliation
GROUP BY level
ORDER BY list_position(['agent', 'session', 'turn'], level);
