"""The warehouse as Apache Iceberg tables, written by many per-agent runs at once.

One set of semantics: every write reads the rows it concerns out of Iceberg into a scratch
in-memory DuckDB warehouse (the schema of `sql/schema/`), runs the very same
`DuckDBWarehouse` load there, and writes the resulting rows back, replacing those it read. The
SQL of `sql/loads/` and `sql/state/` is therefore the only statement of how data moves.

Atomicity is per table: Iceberg commits one table at a time. An agent's commit writes its data
tables first and its read position (sync_state) last, so a commit that dies part-way leaves
the agent's position where it was; the next sync reads the agent again and re-applying what did
land is idempotent. Each table is atomic, and the agent moves forward consistently on retry.

Concurrency is optimistic. A write keeps the table version it read and commits against it:
pyiceberg retries a commit that lost a race (refreshing, and validating that the winner added
or removed nothing matching this write's filter), which lets writers of different agents pass
one another since each replaces only its agent's partition. A conflict validation rejects (a
shared table such as agents, or one agent written twice at once) is retried here from the read,
so nothing a concurrent writer committed is lost.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb
import pyarrow as pa
import tenacity
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import CommitFailedException, ValidationException
from pyiceberg.expressions import AlwaysFalse, AlwaysTrue, BooleanExpression, EqualTo, In
from pyiceberg.table import Table as IcebergTable

from pipeline.warehouse.duckdb_warehouse import (
    LOAD_ORDER,
    SUMMARY_MACROS,
    AgentCommit,
    AgentPosition,
    DuckDBWarehouse,
    HeldSession,
)
from pipeline.warehouse.iceberg.defaults import DEFAULT_NAMESPACE
from pipeline.warehouse.iceberg.maintenance import Expired, expire_snapshots
from pipeline.warehouse.iceberg.tables import (
    AGENT_TABLES,
    TableLayout,
    derive_layouts,
    ensure_table,
)
from pipeline.warehouse.schemas import Table
from pipeline.warehouse.sql_files import run_script, schema_files

log = logging.getLogger(__name__)

# What a sync loads outside any agent's commit: shared by every agent, read and replaced whole.
SHARED_LOADS = frozenset({Table.AGENTS, Table.QUARANTINE})
CONFLICTS = (CommitFailedException, ValidationException)
# The agent's read position: committed after everything else an agent's commit writes.
POSITION_TABLE = "sync_state"

# pyiceberg remarks on every replace that finds nothing to replace, which is every table's first
# write here: expected, and nothing to whoever watches a sync.
warnings.filterwarnings(
    "ignore", message="Delete operation did not match any records", category=UserWarning
)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a write whose commit conflicted, each from a fresh read."""

    max_attempts: int = 8
    backoff_initial_s: float = 0.05
    backoff_max_s: float = 5.0


@dataclass
class _Read:
    """Rows read out of one Iceberg table, and the table version they were read at."""

    table: IcebergTable
    row_filter: BooleanExpression
    before: pa.Table


class IcebergWarehouse:
    """The sync's warehouse (load, commit_agent and the state it reads) over Iceberg tables."""

    def __init__(
        self,
        catalog: Catalog,
        namespace: str = DEFAULT_NAMESPACE,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.catalog = catalog
        self.namespace = namespace
        self.retry = retry or RetryPolicy()
        # Writes redone from a fresh read after a conflict, by what was written: the commits
        # of other writers this one had to take in.
        self.conflicts: Counter[str] = Counter()
        self._conflicts_lock = threading.Lock()
        # Each agent's jobs as they arrived, until its commit: an agent's commit reads its rows
        # into a scratch database made for it, which is where they are staged for the load.
        self._staged: dict[str, list[pa.Table]] = {}
        with _scratch_connection() as con:
            _create_tables(con)
            self.layouts = derive_layouts(con)
        catalog.create_namespace_if_not_exists(namespace)
        for layout in self.layouts.values():
            ensure_table(catalog, namespace, layout)

    # The sync's side: the same methods, and the same SQL, as DuckDBWarehouse.

    def begin_sync(self) -> None:
        """Nothing to bound: each step's DuckDB is a scratch one, closed when the step ends."""

    def end_sync(self) -> None:
        """Nothing to restore (see begin_sync)."""

    def load(self, batches: Mapping[Table, pa.Table], synced_at: datetime) -> dict[Table, int]:
        """Upsert batches of the shared tables; each table commits atomically on its own."""
        per_agent = set(batches) - SHARED_LOADS
        if per_agent:
            raise ValueError(f"{sorted(per_agent)} load through commit_agent, agent by agent")
        return {
            table: self._load_shared(table, batches[table], synced_at)
            for table in LOAD_ORDER
            if table in batches
        }

    def commit_agent(self, commit: AgentCommit, synced_at: datetime) -> dict[Table, int]:
        """One agent's sync: its quarantined records, then its tables, its position last."""
        loaded: dict[Table, int] = {}
        quarantine = commit.batches.get(Table.QUARANTINE)
        if quarantine is not None:
            # Records set aside are facts of their own, shared by all agents: committed first,
            # so they are kept even when this agent's commit fails.
            loaded[Table.QUARANTINE] = self._load_shared(Table.QUARANTINE, quarantine, synced_at)
        own = {table: batch for table, batch in commit.batches.items() if table in _OWN_LOADS}
        own_commit = replace(commit, batches=own)
        loaded.update(
            self._retrying("commit_agent")(self._commit_agent_tables, own_commit, synced_at)
        )
        self.discard_staged_jobs(commit.agent_id)
        return loaded

    def stage_jobs(self, agent_id: str, jobs: pa.Table) -> None:
        self._staged.setdefault(agent_id, []).append(jobs)

    def discard_staged_jobs(self, agent_id: str) -> None:
        self._staged.pop(agent_id, None)

    def agent_positions(self) -> dict[str, AgentPosition]:
        with self._scratch({"sync_state": AlwaysTrue(), "sessions": AlwaysTrue()}) as (wh, _):
            return wh.agent_positions()

    def agent_sessions(self, agent_id: str) -> dict[str, HeldSession]:
        """The agent's sessions we hold (not gone)."""
        with self._scratch({"sessions": EqualTo(term="agent_id", value=agent_id)}) as (wh, _):
            return wh.agent_sessions(agent_id)

    def changed_job_sessions(self, agent_id: str) -> set[str]:
        """Sessions among the agent's staged jobs whose jobs are new or differ from ours."""
        staged = self._staged.get(agent_id, [])
        names = {name for jobs in staged for name in jobs.column("agent_name").to_pylist()}
        # The jobs of a batch are read by agent name; one without a name may be stored anywhere.
        stored: BooleanExpression
        if None in names:
            stored = AlwaysTrue()
        elif names:
            stored = In(term="agent_name", literals=names)
        else:
            stored = AlwaysFalse()
        with self._scratch({"scoring_jobs": stored}) as (wh, _):
            self._restage(wh, agent_id)
            return wh.changed_job_sessions(agent_id)

    def _restage(self, scratch: DuckDBWarehouse, agent_id: str) -> None:
        for jobs in self._staged.get(agent_id, []):
            scratch.stage_jobs(agent_id, jobs)

    # The reading side: the tables in DuckDB, so every SQL model runs over them unchanged.

    @contextmanager
    def query_engine(self) -> Iterator[DuckDBWarehouse]:
        """An in-memory DuckDB warehouse holding every table as of now: views, marts and
        models of `sql/` applied, the DuckDB backend's columns and types exactly."""
        with _scratch_connection() as con:
            warehouse = DuckDBWarehouse(con)
            warehouse.apply_schema()
            for layout in self.layouts.values():
                _fill(con, layout, self._read(layout, AlwaysTrue()).before)
            yield warehouse

    def publish(self, engine: DuckDBWarehouse, table: str) -> None:
        """Replace a shared table with what a query engine rebuilt (summary_reconciliation)."""
        layout = self.layouts[table]
        if layout.agent is not None:
            raise ValueError(f"{table} is written agent by agent")
        rows = engine.con.table(table).to_arrow_table()

        def replace_all() -> None:
            # A rebuilt model replaces whatever is there: the newest rebuild wins.
            iceberg = self.catalog.load_table((self.namespace, table))
            iceberg.overwrite(_to_iceberg(rows, iceberg), overwrite_filter=AlwaysTrue())

        self._retrying(table)(replace_all)

    def expire_snapshots(self, older_than: datetime) -> list[Expired]:
        """Expire every table's snapshots made before `older_than`, deleting the files only
        they reached (maintenance.py); safe while syncs run."""

        def expire(name: str) -> Expired:
            return expire_snapshots(self.catalog.load_table((self.namespace, name)), older_than)

        return [self._retrying(name)(expire, name) for name in self.layouts]

    # How a write goes: read, run the DuckDB load in scratch, write back what changed.

    def _load_shared(self, table: Table, batch: pa.Table, synced_at: datetime) -> int:
        return self._retrying(table.value)(self._load_shared_once, table, batch, synced_at)

    def _load_shared_once(self, table: Table, batch: pa.Table, synced_at: datetime) -> int:
        with self._scratch({table.value: AlwaysTrue()}) as (wh, reads):
            loaded = wh.load({table: batch}, synced_at)[table]
            self._write_back(wh, reads, agent_name=None)
        return loaded

    def _commit_agent_tables(self, commit: AgentCommit, synced_at: datetime) -> dict[Table, int]:
        agent_value = {"id": commit.agent_id, "name": commit.agent_name}
        filters: dict[str, BooleanExpression] = {
            name: EqualTo(term=column.name, value=agent_value[column.identifies_by])
            for name, column in AGENT_TABLES.items()
        }
        with self._scratch(filters) as (wh, reads):
            self._restage(wh, commit.agent_id)
            loaded = wh.commit_agent(commit, synced_at)
            self._write_back(wh, reads, agent_name=commit.agent_name)
        return loaded

    def _write_back(
        self, wh: DuckDBWarehouse, reads: Mapping[str, _Read], agent_name: str | None
    ) -> None:
        """Replace the rows each read took with the scratch's rows, where they changed.

        The tables commit concurrently (each commit is mostly waiting on object storage), except
        the agent's read position: it commits only once every other table has.
        """
        writes: dict[str, Callable[[], None]] = {}
        for name, read in reads.items():
            after = wh.con.table(name).to_arrow_table()
            if not _same_rows(read.before, after, self.layouts[name].keys):
                writes[name] = self._replacement(read, after, agent_name)
        position = writes.pop(POSITION_TABLE, None)
        if writes:
            with ThreadPoolExecutor(len(writes), thread_name_prefix="iceberg-commit") as pool:
                # Every write runs to its end; the first failure then propagates.
                for _ in pool.map(lambda write: write(), list(writes.values())):
                    pass
        if position is not None:
            position()

    def _replacement(
        self, read: _Read, after: pa.Table, agent_name: str | None
    ) -> Callable[[], None]:
        layout = self.layouts[read.table.name()[-1]]
        if layout.agent is not None and layout.agent.iceberg_only:
            after = after.append_column(
                layout.agent.name, pa.array([agent_name] * after.num_rows, pa.string())
            )
        rows = _to_iceberg(after, read.table)
        if layout.agent is not None and read.before.num_rows == 0:
            # Nothing of this agent to replace; other agents' rows are not this write's.
            return lambda: read.table.append(rows)
        return lambda: read.table.overwrite(rows, overwrite_filter=read.row_filter)

    @contextmanager
    def _scratch(
        self, filters: Mapping[str, BooleanExpression]
    ) -> Iterator[tuple[DuckDBWarehouse, dict[str, _Read]]]:
        """A scratch DuckDB warehouse (tables only) holding the rows `filters` select."""
        with _scratch_connection() as con:
            _create_tables(con)
            with ThreadPoolExecutor(len(filters), thread_name_prefix="iceberg-read") as pool:
                scans = pool.map(
                    lambda item: self._read(self.layouts[item[0]], item[1]), filters.items()
                )
                read_at = dict(zip(filters, scans, strict=True))
            reads: dict[str, _Read] = {}
            for name, read in read_at.items():
                _fill(con, self.layouts[name], read.before)
                # `before` as DuckDB gives it back, to compare like with like after the load.
                reads[name] = replace(read, before=con.table(name).to_arrow_table())
            yield DuckDBWarehouse(con), reads

    def _read(self, layout: TableLayout, row_filter: BooleanExpression) -> _Read:
        table = self.catalog.load_table((self.namespace, layout.name))
        rows = table.scan(row_filter=row_filter, selected_fields=layout.columns).to_arrow()
        return _Read(table, row_filter, rows.select(list(layout.columns)))

    def _retrying(self, what: str) -> tenacity.Retrying:
        def count(_: tenacity.RetryCallState) -> None:
            with self._conflicts_lock:
                self.conflicts[what] += 1
            log.info("%s: a concurrent commit conflicted; retrying from a fresh read", what)

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(CONFLICTS),
            wait=tenacity.wait_random_exponential(
                multiplier=self.retry.backoff_initial_s, max=self.retry.backoff_max_s
            ),
            stop=tenacity.stop_after_attempt(self.retry.max_attempts),
            before_sleep=count,
            reraise=True,
        )


# The loads an agent's commit runs in its scratch database (quarantine is shared).
_OWN_LOADS = frozenset(LOAD_ORDER) - SHARED_LOADS


@contextmanager
def _scratch_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        yield con
    finally:
        con.close()


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    # The schema files, and the summary macros: a load needs the tables (and module_scales),
    # and the agent summary load fingerprints its job ids with those macros.
    for name in schema_files():
        run_script(con, name)
    run_script(con, SUMMARY_MACROS)


def _fill(con: duckdb.DuckDBPyConnection, layout: TableLayout, rows: pa.Table) -> None:
    if rows.num_rows:
        # Columns in the table's order, so the positional insert casts each to its DuckDB type
        # (large strings to VARCHAR, text to JSON).
        con.from_arrow(rows).insert_into(layout.name)


def _to_iceberg(rows: pa.Table, table: IcebergTable) -> pa.Table:
    # By name: a column added to an existing Iceberg table comes last there, wherever
    # sql/schema puts it.
    schema = table.schema().as_arrow()
    return rows.select(schema.names).cast(schema)


def _same_rows(before: pa.Table, after: pa.Table, keys: tuple[str, ...]) -> bool:
    if before.num_rows != after.num_rows:
        return False
    if keys:
        order = [(key, "ascending") for key in keys]
        before, after = before.sort_by(order), after.sort_by(order)
    return bool(before.equals(after))
