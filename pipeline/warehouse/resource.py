"""The warehouse as a Dagster resource: the DuckDB file, its exports, and its single writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from filelock import FileLock, Timeout
from pydantic import Field, PrivateAttr

from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

DEFAULT_WAREHOUSE = "data/meibel.duckdb"
DEFAULT_EXPORT_DIR = "data/exports"


class WarehouseLockedError(RuntimeError):
    """Another sync is writing the same warehouse file."""


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    _warehouse: DuckDBWarehouse | None = PrivateAttr(default=None)
    path: str = Field(default=DEFAULT_WAREHOUSE, description="The DuckDB file.")
    export_dir: str = Field(default=DEFAULT_EXPORT_DIR, description="Parquet exports, by table.")
    lock_timeout_s: int = Field(
        default=600,
        description="How long a sync waits for another one writing the same file to finish.",
    )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        # DuckDB allows one writing process per file. The lock, held for the whole run
        # (resources live for the run with the in-process executor), keeps a second sync from
        # slipping in between two steps of the first; and the run's steps share one
        # connection, opened once, instead of reopening the file (and re-applying the schema)
        # at every step.
        with (
            writer_lock(Path(self.path), self.lock_timeout_s),
            DuckDBWarehouse.open(self.path) as warehouse,
        ):
            self._warehouse = warehouse
            try:
                yield self
            finally:
                self._warehouse = None

    @contextmanager
    def open(self) -> Iterator[DuckDBWarehouse]:
        """The run's connection inside a run; a connection of its own elsewhere."""
        if self._warehouse is not None:
            yield self._warehouse
            return
        with DuckDBWarehouse.open(self.path) as warehouse:
            yield warehouse

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
