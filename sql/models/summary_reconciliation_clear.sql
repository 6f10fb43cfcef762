-- The reconciliation is rebuilt whole: run this and `summary_reconciliation` in one transaction,
-- so that a reader never sees either table empty.
DELETE FROM summary_reconciliation;

DELETE FROM summary_reconciliation_totals;
