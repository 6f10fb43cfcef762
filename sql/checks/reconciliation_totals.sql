-- Compared and mismatched summaries per level, from the last reconciliation.
SELECT level, compared, mismatched
FROM summary_reconciliation_totals
ORDER BY list_position(['agent', 'session', 'turn'], level);
