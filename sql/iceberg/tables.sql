-- The warehouse's base tables, as the schema files create them: the Iceberg backend derives its
-- tables (names, columns, types, nullability) from these instead of declaring them again.
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
ORDER BY table_name;
