"""Writers committing to the same Iceberg tables at once: the loser retries, nothing is lost.

Each writer has its own catalog client (as separate runs would) over the same SQLite catalog
and bucket. The catalogs make their writers meet at a barrier just before their first commit,
so both commit against the table version they read and exactly one of them loses the race:
the conflict is certain, not a matter of timing, and is counted where the catalog raises it.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import CommitTableResponse
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table.update import TableRequirement, TableUpdate

from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse
from pipeline.warehouse.schemas import Table
from tests.warehouse.iceberg.support import T1, agent_commit, contents, quarantined, relations

pytestmark = pytest.mark.filterwarnings("ignore:Delete operation did not match any records")

T2 = T1 + timedelta(hours=1)


class RendezvousCatalog(SqlCatalog):
    """A real SQL catalog whose writer, before its first commit of one table, waits for the
    other writers to be about to commit theirs."""

    def __init__(
        self, table: str, rendezvous: threading.Barrier, conflicts: Counter[str], **props: str
    ) -> None:
        super().__init__("meibel", **props)
        self.table = table
        self.rendezvous = rendezvous
        self.conflicts = conflicts
        self.met = threading.Event()

    def commit_table(
        self,
        table: IcebergTable,
        requirements: tuple[TableRequirement, ...],
        updates: tuple[TableUpdate, ...],
    ) -> CommitTableResponse:
        name = table.name()[-1]
        if name == self.table and not self.met.is_set():
            self.met.set()
            self.rendezvous.wait(timeout=60)
        try:
            return super().commit_table(table, requirements, updates)
        except CommitFailedException:
            self.conflicts[name] += 1
            raise


def racing_writers(
    properties: dict[str, str], table: str, count: int = 2
) -> tuple[list[IcebergWarehouse], Counter[str]]:
    """Writers, each with its own catalog client, whose first commits of `table` race."""
    rendezvous = threading.Barrier(count)
    conflicts: Counter[str] = Counter()
    writers = [
        IcebergWarehouse(RendezvousCatalog(table, rendezvous, conflicts, **properties))
        for _ in range(count)
    ]
    return writers, conflicts


def run_at_once(*calls: tuple[Any, ...]) -> None:
    with ThreadPoolExecutor(len(calls)) as pool:
        for future in [pool.submit(*call) for call in calls]:
            future.result()


def test_two_agents_committing_at_once_both_land_after_one_retry(
    catalog_properties: dict[str, str], iceberg: IcebergWarehouse
) -> None:
    for agent in "ab":
        iceberg.commit_agent(agent_commit(agent, 6.0), T1)
    writers, conflicts = racing_writers(catalog_properties, "sessions")

    run_at_once(
        *(
            (writer.commit_agent, agent_commit(agent, 8.0), T2)
            for writer, agent in zip(writers, "ab", strict=True)
        )
    )

    # Their commits of sessions raced: one lost, refreshed and committed again. Each
    # replaced its own agent's partition, so Iceberg's validation let the retry through and
    # neither had to redo its commit from a fresh read.
    assert conflicts["sessions"] == 1
    assert [writer.conflicts.total() for writer in writers] == [0, 0]
    # Nothing is lost: the tables hold what DuckDB holds after the same commits one by one.
    duck = DuckDBWarehouse(duckdb.connect(":memory:"))
    duck.apply_schema()
    for synced_at, score in ((T1, 6.0), (T2, 8.0)):
        for agent in "ab":
            duck.commit_agent(agent_commit(agent, score), synced_at)
    with iceberg.query_engine() as engine:
        for name in relations(duck):
            assert contents(engine, name) == contents(duck, name), name
        scores = engine.query("SELECT DISTINCT score FROM scoring_jobs")["score"].to_pylist()
        assert scores == [8.0]


def test_a_shared_table_written_at_once_is_redone_from_a_fresh_read(
    catalog_properties: dict[str, str], iceberg: IcebergWarehouse
) -> None:
    iceberg.load({Table.QUARANTINE: quarantined("s-1")}, T1)
    writers, conflicts = racing_writers(catalog_properties, "quarantine")

    # Two runs meet the same bad record at once; each counts it on top of what it read.
    run_at_once(*((writer.load, {Table.QUARANTINE: quarantined("s-1")}, T2) for writer in writers))

    # The loser's retry found the winner's rows where it would have replaced them (validation),
    # so it read again and counted again: no count is lost.
    assert conflicts["quarantine"] == 1
    assert sorted(writer.conflicts["quarantine"] for writer in writers) == [0, 1]
    with iceberg.query_engine() as engine:
        rows = engine.query("SELECT record_key, times_seen FROM quarantine").to_pylist()
    assert rows == [{"record_key": "s-1", "times_seen": 3}]
