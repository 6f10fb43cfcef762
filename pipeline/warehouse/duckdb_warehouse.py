"""The embedded DuckDB warehouse: one file, one writer, every load one transaction."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Concatenate, Literal, NamedTuple, ParamSpec, TypeAlias, TypeVar

import duckdb
import pyarrow as pa

from pipeline.failpoints import failpoint
from pipeline.warehouse.schemas import SCHEMAS, Table
from pipeline.warehouse.sql_files import (
    SQL_ROOT,
    description_files,
    folder_files,
    run_script,
    schema_files,
    sql,
)

log = logging.getLogger(__name__)

SyncMode = Literal["full", "incremental"]
# What a load reads as `batch`: Arrow from the API, or a relation already in DuckDB (staged jobs).
Batch: TypeAlias = pa.Table | duckdb.DuckDBPyRelation
_NO_JOBS = SCHEMAS[Table.SCORING_JOBS].empty_table()

# Order matters inside one load: the turn load reads the session summaries loaded before it.
LOAD_ORDER: tuple[Table, ...] = (
    Table.AGENTS,
    Table.SESSIONS,
    Table.SCORING_JOBS,
    Table.API_AGENT_SUMMARIES,
    Table.API_SESSION_SUMMARIES,
    Table.API_TURN_SUMMARIES,
    Table.QUARANTINE,
)

# The summary rules and the reconciliation's fingerprints, as macros (and the summary views).
SUMMARY_MACROS = "views/score_summaries"

# The reconciliation's scripts, run in this order in one transaction: fingerprint the API
# summaries stored since the last run, empty both tables, rebuild them.
RECONCILIATION_MODELS: tuple[str, ...] = (
    "models/summary_fingerprints",
    "models/summary_reconciliation_clear",
    "models/summary_reconciliation",
)

# The key of every table a check or an export may name; nothing else reaches SQL as a name.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "agents": ("agent_id",),
    "sessions": ("session_id",),
    "scoring_jobs": ("job_id",),
    "scoring_job_history": ("job_id", "valid_from"),
    "sync_state": ("agent_id",),
    "module_scales": ("module",),
    "quarantine": ("quarantine_id",),
    "api_agent_summaries": ("agent_name",),
    "api_agent_summary_job_ids": ("agent_name", "job_id"),
    "api_session_summaries": ("agent_name", "session_id"),
    "api_turn_summaries": ("agent_name", "session_id", "turn"),
    "summary_reconciliation": ("level", "agent_name", "session_id", "turn"),
    "summary_reconciliation_totals": ("level",),
    "session_score_summary": ("agent_name", "session_id"),
    "turn_score_summary": ("agent_name", "session_id", "turn"),
    "agent_score_summary": ("agent_name",),
}


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _past_the_sync_bound(
    step: Callable[Concatenate[DuckDBWarehouse, _P], _R],
) -> Callable[Concatenate[DuckDBWarehouse, _P], _R]:
    """A sync's step that runs out of the sync's memory bound runs again without it.

    The bound (sql/settings/sync.sql) keeps a sync's memory flat; it is ours, not the machine's,
    so a step too large for it (an agent far larger than the rest) still goes through, and the
    bound holds again for the next. Each such step is one transaction, which the failure rolled
    back, or can run twice to the same end."""

    @functools.wraps(step)
    def run(self: DuckDBWarehouse, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return step(self, *args, **kwargs)
        except duckdb.OutOfMemoryException as error:
            if not self._sync_bounded:
                raise
            log.warning(
                "%s needed more memory than a sync's bound; running it again without the "
                "bound (%s)",
                step.__name__,
                str(error).splitlines()[0],
            )
            run_script(self.con, "settings/sync_done")
            try:
                return step(self, *args, **kwargs)
            finally:
                run_script(self.con, "settings/sync")

    return run


@dataclass(frozen=True)
class AgentCommit:
    """What one agent's sync hands the warehouse to commit at once.

    Its jobs are those staged for it (`stage_jobs`) as they arrived, and any in `batches`,
    which the commit stages first. A commit leaves none staged; a sync that gives up discards
    what it staged (`discard_staged_jobs`).
    """

    agent_id: str
    agent_name: str
    batches: Mapping[Table, pa.Table]
    # "full": everything the API holds was read, so what is missing is gone.
    mode: SyncMode
    # The jobs were read for the whole agent (not session by session).
    jobs_agent_wide: bool
    # Sessions whose jobs changed but whose API summary was not fetched again this time.
    stale_summaries: Sequence[str] = ()


@dataclass(frozen=True)
class AgentPosition:
    newest_start_time: datetime | None
    oldest_running_start: datetime | None


class HeldSession(NamedTuple):
    settled: bool
    agent_version: str | None


@dataclass(frozen=True)
class LevelTotals:
    level: str
    compared: int
    mismatched: int


class DuckDBWarehouse:
    """The tables, views and SQL models of `sql/` in one DuckDB file."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._stage_made = False
        self._sync_bounded = False
        # An agent's first batch of staged jobs, kept as it came until a second one arrives:
        # most agents' jobs come in one answer, which the commit then reads where it is instead
        # of from a copy in the stage (that copy was 2.2 s of a million-job sync's writer).
        self._first_batches: dict[str, pa.Table] = {}
        # Agents with rows in the stage table.
        self._staged_agents: set[str] = set()

    @classmethod
    @contextmanager
    def open(cls, path: str | Path, *, read_only: bool = False) -> Iterator[DuckDBWarehouse]:
        """Open (and on first use create) the warehouse file, schema and views applied."""
        path = Path(path)
        if read_only:
            con = duckdb.connect(str(path), read_only=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Attached rather than opened, for the options only ATTACH takes (settings/writer).
            con = duckdb.connect()
        try:
            warehouse = cls(con)
            if not read_only:
                run_script(
                    con, "settings/writer", {"path": str(path), "temp_directory": f"{path}.tmp"}
                )
                warehouse.apply_schema()
            yield warehouse
        finally:
            con.close()

    def apply_schema(self) -> None:
        with self.transaction():
            for name in schema_files():
                run_script(self.con, name)
            for view_file in sorted((SQL_ROOT / "views").glob("*.sql")):
                run_script(self.con, f"views/{view_file.stem}")
            # The marts read the summary views' macros; the dictionary describes them all.
            for name in [*folder_files("marts"), *description_files()]:
                run_script(self.con, name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def begin_sync(self) -> None:
        """Bound DuckDB's memory while a sync writes (sql/settings/sync.sql says why)."""
        run_script(self.con, "settings/sync")
        self._sync_bounded = True

    def end_sync(self) -> None:
        run_script(self.con, "settings/sync_done")
        self._sync_bounded = False

    @_past_the_sync_bound
    def load(self, batches: Mapping[Table, pa.Table], synced_at: datetime) -> dict[Table, int]:
        """Upsert every batch in one transaction: all of them land, or none does."""
        with self.transaction():
            return self._load(batches, synced_at)

    @_past_the_sync_bound
    def commit_agent(self, commit: AgentCommit, synced_at: datetime) -> dict[Table, int]:
        """One agent's sync in one transaction: its data, what is gone, settlement, position."""
        handed = commit.batches.get(Table.SCORING_JOBS)
        if handed is not None:
            self.stage_jobs(commit.agent_id, handed)
        with self.transaction():
            jobs = self._agent_jobs(commit.agent_id)
            loaded = self._load({**commit.batches, Table.SCORING_JOBS: jobs}, synced_at)
            params = {
                "agent_id": commit.agent_id,
                "agent_name": commit.agent_name,
                "synced_at": synced_at,
                "mode": commit.mode,
                "jobs_agent_wide": commit.jobs_agent_wide,
            }
            if commit.mode == "full":
                seen_sessions = commit.batches[Table.SESSIONS].select(["session_id"])
                with self._registered(seen_sessions=seen_sessions, seen_jobs=jobs):
                    run_script(self.con, "loads/gone", params)
            stale = pa.table({"session_id": pa.array(commit.stale_summaries, pa.string())})
            with self._registered(stale_sessions=stale):
                run_script(self.con, "loads/stale_summaries", params)
            run_script(self.con, "loads/session_settlement", params)
            run_script(self.con, "loads/sync_state", params)
            failpoint("before-commit")
        failpoint("after-commit")
        self.discard_staged_jobs(commit.agent_id)
        return loaded

    def stage_jobs(self, agent_id: str, jobs: pa.Table) -> None:
        """Set a batch of the agent's jobs aside until its commit (or discard). The agent's
        first batch waits as it came; a second one takes both into the stage table, where a
        sync's memory bound holds."""
        jobs = jobs.cast(SCHEMAS[Table.SCORING_JOBS])
        if agent_id not in self._first_batches and agent_id not in self._staged_agents:
            self._first_batches[agent_id] = jobs
            return
        first = self._first_batches.pop(agent_id, None)
        if first is not None:
            self._stage(agent_id, first)
        self._stage(agent_id, jobs)

    @_past_the_sync_bound
    def _stage(self, agent_id: str, jobs: pa.Table) -> None:
        self._make_stage()
        with self._registered(batch=jobs):
            run_script(self.con, "loads/stage_jobs", {"agent_id": agent_id})
        self._staged_agents.add(agent_id)

    def discard_staged_jobs(self, agent_id: str) -> None:
        """Forget the agent's staged jobs: committed, or its sync gave up before committing."""
        self._first_batches.pop(agent_id, None)
        if agent_id in self._staged_agents:
            run_script(self.con, "loads/discard_staged_jobs", {"agent_id": agent_id})
            self._staged_agents.discard(agent_id)

    def _make_stage(self) -> None:
        """Create the stage on first use. Its callers call this outside any transaction."""
        if self._stage_made:
            return
        with self._registered(batch=_NO_JOBS):
            run_script(self.con, "loads/create_stage")
        self._stage_made = True

    def _agent_jobs(self, agent_id: str) -> Batch:
        """The agent's staged jobs, one row per job, to register as a batch.

        Its one batch, or a relation over the stage, not a copy of it: copying an agent's
        50,000 jobs costs more than the loads spend reading them where they are."""
        first = self._first_batches.get(agent_id)
        if first is not None:
            return first
        if agent_id not in self._staged_agents:
            return _NO_JOBS
        mine = duckdb.ColumnExpression("stage_agent_id") == duckdb.ConstantExpression(agent_id)
        staged = self.con.table("staged_jobs").filter(mine)
        return staged.select(duckdb.StarExpression(exclude=["stage_agent_id"]))

    def _load(self, batches: Mapping[Table, Batch], synced_at: datetime) -> dict[Table, int]:
        unknown = set(batches) - set(LOAD_ORDER)
        if unknown:
            raise ValueError(f"no load for {sorted(unknown)}")
        if Table.API_TURN_SUMMARIES in batches and Table.API_SESSION_SUMMARIES not in batches:
            raise ValueError("turn summaries load together with their session summaries")
        loaded: dict[Table, int] = {}
        for table in LOAD_ORDER:
            if table not in batches:
                continue
            given = batches[table]
            batch = given.cast(SCHEMAS[table]) if isinstance(given, pa.Table) else given
            related = (
                {"sessions_batch": batches[Table.API_SESSION_SUMMARIES]}
                if table is Table.API_TURN_SUMMARIES
                else {}
            )
            with self._registered(batch=batch, **related):
                run_script(self.con, f"loads/{table.value}", {"synced_at": synced_at})
            loaded[table] = len(batch)
        return loaded

    @contextmanager
    def _registered(self, **relations: Batch) -> Iterator[None]:
        for name, relation in relations.items():
            self.con.register(name, relation)
        try:
            yield
        except BaseException:
            # A statement that failed inside a transaction aborted it, and DuckDB refuses even
            # an unregister until the rollback, which drops the registrations itself: the
            # error to tell is the statement's.
            with suppress(duckdb.TransactionException):
                self._unregister(relations)
            raise
        self._unregister(relations)

    def _unregister(self, relations: Mapping[str, Batch]) -> None:
        for name in relations:
            self.con.unregister(name)

    def agent_positions(self) -> dict[str, AgentPosition]:
        return {
            row["agent_id"]: AgentPosition(row["newest_start_time"], row["oldest_running_start"])
            for row in self.rows("state/agent_positions")
        }

    def agent_sessions(self, agent_id: str) -> dict[str, HeldSession]:
        """The agent's sessions we hold (not gone)."""
        rows = self.con.execute(sql("state/agent_sessions"), {"agent_id": agent_id}).fetchall()
        return {session_id: HeldSession(settled, version) for session_id, settled, version in rows}

    @_past_the_sync_bound
    def changed_job_sessions(self, agent_id: str) -> set[str]:
        """Sessions among the agent's staged jobs whose jobs are new or differ from ours."""
        with self._registered(batch=self._agent_jobs(agent_id)):
            rows = self.con.execute(sql("state/changed_job_sessions")).fetchall()
        return {session_id for (session_id,) in rows}

    def reconcile(self, tolerance: float, at: datetime) -> list[LevelTotals]:
        """Rebuild summary_reconciliation (the summaries that differ from the API's) and
        summary_reconciliation_totals from the stored API summaries and the jobs."""
        params = {"tolerance": tolerance, "reconciled_at": at}
        with self.transaction():
            for name in RECONCILIATION_MODELS:
                run_script(self.con, name, params)
        return self.reconciliation_totals()

    def reconciliation_totals(self) -> list[LevelTotals]:
        rows = self.con.execute(sql("checks/reconciliation_totals")).fetchall()
        return [LevelTotals(level, compared, mismatched) for level, compared, mismatched in rows]

    def reconciliation_mismatches(self, limit: int = 10) -> list[dict[str, Any]]:
        return self.rows("checks/reconciliation_mismatches", {"limit": limit})

    def duplicate_keys(self, table: str) -> tuple[int, int]:
        """(key values that repeat, rows involved) for one of the known tables."""
        keys = list(TABLE_KEYS[table])
        params = {"table": table, "keys": keys}
        ((duplicated, involved),) = self.con.execute(
            sql("checks/duplicate_keys"), params
        ).fetchall()
        return int(duplicated), int(involved)

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The result of a query file in `sql/` as dicts."""
        relation = self.con.execute(sql(name), dict(params or {}))
        columns = [column[0] for column in relation.description or []]
        return [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]

    def row_count(self, table: str) -> int:
        if table not in TABLE_KEYS:
            raise ValueError(f"unknown table {table!r}")
        ((count,),) = self.con.execute(sql("checks/row_count"), {"table": table}).fetchall()
        return int(count)

    def query(self, text: str) -> pa.Table:
        """Run a user's ad-hoc query; the warehouse is theirs to read."""
        return self.con.sql(text).to_arrow_table()

    def stream(self, relation: str, batch_size: int = 64_000) -> pa.RecordBatchReader:
        """A table or view as a stream of Arrow batches, for the partitioned Parquet exports.

        `relation` is looked up by name in the catalog, never formatted into SQL. Read the
        stream to its end before the next query: the connection has one open result.
        """
        return self.con.table(relation).to_arrow_reader(batch_size)
