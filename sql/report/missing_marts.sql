-- Which of the marts named in $names the warehouse lacks: one written by an older version gets
-- them when it is next opened for writing (every sync does).
SELECT coalesce(list(n ORDER BY n), []::VARCHAR[]) AS missing
FROM unnest($names::VARCHAR[]) AS t(n)
WHERE n NOT IN (
    SELECT view_name
    FROM duckdb_views()
    WHERE database_name = current_database() AND schema_name = current_schema()
);
