-- Every table and view of the warehouse's default schema with its description (COMMENT ON) and
-- kind. Keys come from TABLE_KEYS in pipeline/warehouse/duckdb_warehouse.py: the big tables
-- declare no PRIMARY KEY constraint (see sql/schema/001_tables.sql) and views cannot.
SELECT name, kind, description
FROM (
    SELECT table_name AS name, 'table' AS kind, comment AS description
    FROM duckdb_tables()
    WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
    UNION ALL
    SELECT view_name, 'view', comment
    FROM duckdb_views()
    WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
)
ORDER BY name;
