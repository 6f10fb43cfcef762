-- One table's columns in order, with whether each may hold NULL (Arrow exports every DuckDB
-- column as nullable, so NOT NULL is read from the catalog).
SELECT column_name, is_nullable
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $table
ORDER BY column_index;
