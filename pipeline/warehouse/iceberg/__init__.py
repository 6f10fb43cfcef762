"""The Apache Iceberg backend: the DuckDB warehouse's tables and SQL, over Iceberg tables."""

from pipeline.warehouse.iceberg.catalog import open_catalog
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse

__all__ = ["IcebergWarehouse", "open_catalog"]
