-- A sync is done writing: the queries that follow (checks, reconciliation, marts, exports) get
-- DuckDB's own memory limit back.
RESET memory_limit;
