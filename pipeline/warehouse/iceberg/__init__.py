"""The Apache Iceberg backend: the DuckDB warehouse's tables and SQL, over Iceberg tables."""

import warnings

from pipeline.warehouse.iceberg.catalog import open_catalog
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse

# pyiceberg remarks on every replace that finds nothing to replace, which is every table's first
# write here: expected, and nothing to whoever watches a sync.
warnings.filterwarnings(
    "ignore", message="Delete operation did not match any records", category=UserWarning
)

__all__ = ["IcebergWarehouse", "open_catalog"]
