"""The warehouse: DuckDB file, load schemas and the SQL of `sql/`. Extraction sees only this."""
