"""The warehouse as a Dagster resource: where the DuckDB file and the Parquet exports live."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field

from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

DEFAULT_WAREHOUSE = "data/meibel.duckdb"
DEFAULT_EXPORT_DIR = "data/exports"


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    path: str = Field(default=DEFAULT_WAREHOUSE, description="The DuckDB file.")
    export_dir: str = Field(default=DEFAULT_EXPORT_DIR, description="Parquet exports, by table.")

    @contextmanager
    def open(self) -> Iterator[DuckDBWarehouse]:
        with DuckDBWarehouse.open(self.path) as warehouse:
            yield warehouse

    @property
    def exports(self) -> Path:
        return Path(self.export_dir)
