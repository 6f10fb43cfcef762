"""The warehouse as a Dagster resource: its backend, its exports, and who may write it at once.

The backend is configuration: the embedded DuckDB file (the default; one writer, so a run holds
a file lock throughout) or Apache Iceberg tables in a catalog (written by many per-agent runs
at once; no lock). Either way steps write through `sync_target()` and run SQL through `open()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from filelock import FileLock, Timeout
from pydantic import Field, PrivateAttr

from pipeline.warehouse.backends import (
    DEFAULT_DUCKDB_PATH,
    Backend,
    SyncTarget,
    WarehouseSettings,
    open_warehouse,
)
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.iceberg.defaults import (
    DEFAULT_CATALOG,
    DEFAULT_EMBEDDED_DIR,
    DEFAULT_NAMESPACE,
)

if TYPE_CHECKING:
    from pipeline.warehouse.iceberg.maintenance import Expired

DEFAULT_WAREHOUSE = DEFAULT_DUCKDB_PATH
DEFAULT_EXPORT_DIR = "data/exports"


class WarehouseLockedError(RuntimeError):
    """Another sync is writing the same warehouse file."""


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    _backend: Backend | None = PrivateAttr(default=None)
    _engine: DuckDBWarehouse | None = PrivateAttr(default=None)
    _engine_scope: ExitStack | None = PrivateAttr(default=None)
    backend: str = Field(
        default="duckdb",
        description="'duckdb': one embedded file. 'iceberg': Iceberg tables in a catalog.",
    )
    path: str = Field(default=DEFAULT_WAREHOUSE, description="The DuckDB file.")
    iceberg_catalog: str = Field(
        default=DEFAULT_CATALOG,
        description=(
            "The pyiceberg catalog's name, configured by PYICEBERG_CATALOG__<NAME>__* variables "
            "or .pyiceberg.yaml; with neither, an embedded SQLite catalog in iceberg_dir."
        ),
    )
    iceberg_namespace: str = Field(default=DEFAULT_NAMESPACE, description="Iceberg namespace.")
    iceberg_dir: str = Field(
        default=DEFAULT_EMBEDDED_DIR, description="The embedded Iceberg catalog's folder."
    )
    export_dir: str = Field(default=DEFAULT_EXPORT_DIR, description="Parquet exports, by table.")
    lock_timeout_s: int = Field(
        default=600,
        description="How long a sync waits for another one writing the same file to finish.",
    )

    def settings(self) -> WarehouseSettings:
        # Validated here, when the run reads its environment: an unknown backend fails it.
        return WarehouseSettings.model_validate(
            {
                "backend": self.backend,
                "duckdb_path": self.path,
                "iceberg_catalog": self.iceberg_catalog,
                "iceberg_namespace": self.iceberg_namespace,
                "iceberg_dir": self.iceberg_dir,
            }
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        # DuckDB allows one writing process per file. The lock, held for the whole run
        # (resources live for the run with the in-process executor), keeps a second sync from
        # slipping in between two steps of the first; and the run's steps share one
        # connection, opened once, instead of reopening the file (and re-applying the schema)
        # at every step. Iceberg commits are optimistic and per table: no lock.
        with ExitStack() as run:
            if self.settings().backend == "duckdb":
                run.enter_context(writer_lock(Path(self.path), self.lock_timeout_s))
            self._backend = run.enter_context(open_warehouse(self.settings()))
            try:
                yield self
            finally:
                self._forget_engine()
                self._backend = None

    @contextmanager
    def _opened(self) -> Iterator[Backend]:
        if self._backend is not None:
            yield self._backend
            return
        with open_warehouse(self.settings()) as backend:
            yield backend

    @contextmanager
    def sync_target(self) -> Iterator[SyncTarget]:
        """What a sync writes through."""
        # A snapshot taken before these writes would no longer show the warehouse.
        self._forget_engine()
        with self._opened() as backend:
            yield backend.target

    @contextmanager
    def open(self) -> Iterator[DuckDBWarehouse]:
        """SQL over the warehouse: the DuckDB file itself, or the Iceberg tables read into an
        in-memory DuckDB (kept for the rest of the run until the next write)."""
        if self._backend is None:
            with open_warehouse(self.settings()) as backend, backend.query_engine() as engine:
                yield engine
            return
        if self._engine is None:
            scope = ExitStack()
            self._engine = scope.enter_context(self._backend.query_engine())
            self._engine_scope = scope
        yield self._engine

    def publish(self, engine: DuckDBWarehouse, table: str) -> None:
        """Store a table the SQL models rebuilt in `engine` (a no-op on DuckDB: it is there)."""
        with self._opened() as backend:
            backend.publish(engine, table)

    def expire_snapshots(self, older_than: datetime) -> list[Expired]:
        """Drop the warehouse's versions older than `older_than` and the files only they use."""
        with self._opened() as backend:
            return backend.expire_snapshots(older_than)

    def _forget_engine(self) -> None:
        if self._engine_scope is not None:
            self._engine_scope.close()
        self._engine, self._engine_scope = None, None

    @property
    def exports(self) -> Path:
        return Path(self.export_dir)


@contextmanager
def writer_lock(database: Path, timeout_s: float) -> Iterator[None]:
    lock_path = database.with_name(f"{database.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout:
        raise WarehouseLockedError(
            f"another sync is writing {database} (lock {lock_path}); waited {timeout_s:g}s. "
            "Let it finish, or raise the warehouse's lock_timeout_s."
        ) from None
    try:
        yield
    finally:
        lock.release()
