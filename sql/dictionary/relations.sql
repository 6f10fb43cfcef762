-- Every table and view of the warehouse's default schema with its description (COMMENT ON),
-- kind, and primary key where a constraint declares one.
WITH keys AS (
    SELECT table_name, constraint_column_names AS key_columns
    FROM duckdb_constraints()
    WHERE database_name = current_database()
        AND schema_name = current_schema()
        AND constraint_type = 'PRIMARY KEY'
)
SELECT r.name, r.kind, r.description, coalesce(k.key_columns, []::VARCHAR[]) AS key_columns
FROM (
    SELECT table_name AS name, 'table' AS kind, comment AS description
    FROM duckdb_tables()
    WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
    UNION ALL
    SELECT view_name, 'view', comment
    FROM duckdb_views()
    WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
) AS r
LEFT JOIN keys AS k ON k.table_name = r.name
ORDER BY r.name;
