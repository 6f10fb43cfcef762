-- The reconciliation is rebuilt whole: run this and `summary_reconciliation` in one transaction,
-- so that a reader never sees it empty. A separate file because DuckDB prepares one statement
-- at a time and the rebuild binds parameters.
DELETE FROM summary_reconciliation;
