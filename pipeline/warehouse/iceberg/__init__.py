"""The Apache Iceberg backend: the DuckDB warehouse's tables and SQL, over Iceberg tables.

Its modules import pyiceberg; nothing here does, so that `defaults` is read without it.
"""
