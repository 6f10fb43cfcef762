"""Which warehouse a run uses: the embedded DuckDB file (the default) or Apache Iceberg tables.

Either way a run gets the same two things: a sync target (what `run_sync` writes through) and a
query engine, a `DuckDBWarehouse` in which the views, marts, checks, reconciliation and exports
of `sql/` run unchanged. On DuckDB both are the one file. On Iceberg the target commits to the
Iceberg tables and the query engine is an in-memory snapshot of them, taken when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from pipeline.warehouse.duckdb_warehouse import (
    AgentCommit,
    AgentPosition,
    DuckDBWarehouse,
    HeldSession,
)
from pipeline.warehouse.iceberg.defaults import (
    DEFAULT_CATALOG,
    DEFAULT_EMBEDDED_DIR,
    DEFAULT_NAMESPACE,
)
from pipeline.warehouse.schemas import Table

if TYPE_CHECKING:
    from pipeline.warehouse.iceberg.maintenance import Expired
    from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse

BackendName = Literal["duckdb", "iceberg"]

# The resource builds on this module, so the default file is stated here, not imported from it.
DEFAULT_DUCKDB_PATH = "data/meibel.duckdb"

ENV_BACKEND = "MEIBEL_WAREHOUSE_BACKEND"
ENV_DUCKDB_PATH = "MEIBEL_WAREHOUSE"
ENV_ICEBERG_CATALOG = "MEIBEL_ICEBERG_CATALOG"
ENV_ICEBERG_NAMESPACE = "MEIBEL_ICEBERG_NAMESPACE"
ENV_ICEBERG_DIR = "MEIBEL_ICEBERG_DIR"


class WarehouseSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    backend: BackendName = "duckdb"
    duckdb_path: str = DEFAULT_DUCKDB_PATH
    # The pyiceberg catalog's name: its PYICEBERG_CATALOG__<NAME>__* settings, or the embedded
    # SQLite catalog in iceberg_dir when there are none.
    iceberg_catalog: str = DEFAULT_CATALOG
    iceberg_namespace: str = DEFAULT_NAMESPACE
    iceberg_dir: str = DEFAULT_EMBEDDED_DIR

    @property
    def location(self) -> str:
        """Where the tables are, as a reader would name it."""
        if self.backend == "duckdb":
            return self.duckdb_path
        return f"Iceberg catalog {self.iceberg_catalog}, namespace {self.iceberg_namespace}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WarehouseSettings:
        env = os.environ if environ is None else environ
        names = {
            "backend": ENV_BACKEND,
            "duckdb_path": ENV_DUCKDB_PATH,
            "iceberg_catalog": ENV_ICEBERG_CATALOG,
            "iceberg_namespace": ENV_ICEBERG_NAMESPACE,
            "iceberg_dir": ENV_ICEBERG_DIR,
        }
        return cls.model_validate({field: env[var] for field, var in names.items() if var in env})


class SyncTarget(Protocol):
    """What `run_sync` needs of a warehouse; DuckDBWarehouse and IcebergWarehouse both are one."""

    def begin_sync(self) -> None:
        """Called before a sync's first write (on the thread that writes)."""
        ...

    def end_sync(self) -> None:
        """Called once the sync's writes are over and its writing thread has stopped, whether
        it succeeded or not."""
        ...

    def load(self, batches: Mapping[Table, pa.Table], synced_at: datetime) -> dict[Table, int]: ...

    def commit_agent(self, commit: AgentCommit, synced_at: datetime) -> dict[Table, int]: ...

    def agent_positions(self) -> dict[str, AgentPosition]: ...

    def agent_sessions(self, agent_id: str) -> dict[str, HeldSession]: ...

    def stage_jobs(self, agent_id: str, jobs: pa.Table) -> None: ...

    def discard_staged_jobs(self, agent_id: str) -> None: ...

    def changed_job_sessions(self, agent_id: str) -> set[str]: ...


class Backend(Protocol):
    @property
    def target(self) -> SyncTarget: ...

    def query_engine(self) -> AbstractContextManager[DuckDBWarehouse]:
        """SQL over the tables as they are now (a snapshot on Iceberg: ask again after writes)."""
        ...

    def publish(self, engine: DuckDBWarehouse, table: str) -> None:
        """Store a table the query engine rebuilt (summary_reconciliation) in the warehouse."""
        ...

    def expire_snapshots(self, older_than: datetime) -> list[Expired]:
        """Drop the warehouse's versions older than `older_than`, and the files only they use."""
        ...


@dataclass(frozen=True)
class DuckDBBackend:
    warehouse: DuckDBWarehouse

    @property
    def target(self) -> SyncTarget:
        return self.warehouse

    def query_engine(self) -> AbstractContextManager[DuckDBWarehouse]:
        return nullcontext(self.warehouse)

    def publish(self, engine: DuckDBWarehouse, table: str) -> None:
        """Nothing to copy: the query engine is the warehouse."""

    def expire_snapshots(self, older_than: datetime) -> list[Expired]:
        """Nothing to expire: a DuckDB file keeps no old versions."""
        return []


@dataclass(frozen=True)
class IcebergBackend:
    warehouse: IcebergWarehouse

    @property
    def target(self) -> SyncTarget:
        return self.warehouse

    def query_engine(self) -> AbstractContextManager[DuckDBWarehouse]:
        return self.warehouse.query_engine()

    def publish(self, engine: DuckDBWarehouse, table: str) -> None:
        self.warehouse.publish(engine, table)

    def expire_snapshots(self, older_than: datetime) -> list[Expired]:
        return self.warehouse.expire_snapshots(older_than)


@contextmanager
def open_warehouse(settings: WarehouseSettings) -> Iterator[Backend]:
    """Open the configured backend (creating its tables on first use) for one run."""
    if settings.backend == "duckdb":
        with DuckDBWarehouse.open(settings.duckdb_path) as warehouse:
            yield DuckDBBackend(warehouse)
        return
    # Only a run on Iceberg loads pyiceberg.
    from pipeline.warehouse.iceberg.catalog import open_catalog
    from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse

    with open_catalog(settings.iceberg_catalog, settings.iceberg_dir) as catalog:
        yield IcebergBackend(IcebergWarehouse(catalog, settings.iceberg_namespace))
