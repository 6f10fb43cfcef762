-- Every column of every table and view of the default schema, in table order, described.
SELECT
    table_name AS relation,
    column_name AS name,
    data_type,
    is_nullable AS nullable,
    comment AS description
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
ORDER BY table_name, column_index;
