"""The real sync into Iceberg tables in object storage gives what it gives into DuckDB.

A simulator is synced through `run_sync` and a real `MeibelClient` twice per round, at the same
`synced_at`: once into the DuckDB backend, once into the Iceberg backend (a SQL catalog whose
warehouse is a bucket on moto's S3 server). Every table, summary view, reconciliation and mart
must then hold the same rows with the same column types, and the tables what the API holds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.ingest.sync import SyncOptions, run_sync
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.backends import SyncTarget
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse
from tests.warehouse.iceberg.support import contents, objects_in, relations

# The very first write of a shared table replaces its (empty) contents, which pyiceberg remarks.
pytestmark = pytest.mark.filterwarnings("ignore:Delete operation did not match any records")

TOLERANCE = 1e-9


def sync(simulator: SimulatorServer, target: SyncTarget, synced_at: datetime) -> None:
    async def run() -> None:
        config = ClientConfig(base_url=simulator.base_url, api_key=simulator.api_key)
        # Every touched session verified: a random sample would differ between the two syncs.
        options = SyncOptions(verify_sessions="all")
        async with MeibelClient(config) as client:
            await run_sync(client, target, options, synced_at, lambda _: None)

    asyncio.run(run())


def assert_same_warehouse(iceberg: DuckDBWarehouse, duck: DuckDBWarehouse) -> None:
    names = relations(duck)
    assert relations(iceberg) == names
    for name in names:
        (iceberg_types, iceberg_rows), (duck_types, duck_rows) = (
            contents(iceberg, name),
            contents(duck, name),
        )
        assert iceberg_types == duck_types, name
        only_iceberg = sorted(set(iceberg_rows) - set(duck_rows))
        only_duck = sorted(set(duck_rows) - set(iceberg_rows))
        assert (only_iceberg, only_duck) == ([], []), name
        assert iceberg_rows == duck_rows, name


def assert_equals_api(wh: DuckDBWarehouse, simulator: SimulatorServer) -> None:
    world = simulator.world
    sessions = {
        s.session_id: (agent_id, s.status, s.start_time, s.end_time, s.messages_count)
        for agent_id in world.agent_ids
        for offset in range(0, world.list_sessions(agent_id).total, 100)
        for s in world.list_sessions(agent_id, offset).data
    }
    held = wh.query(
        "SELECT session_id, agent_id, status, start_time, end_time, messages_count "
        "FROM sessions WHERE gone_at IS NULL"
    ).to_pylist()
    assert {r.pop("session_id"): tuple(r.values()) for r in held} == sessions
    jobs = {
        j.job_id: (j.status, None if j.score is None else float(j.score), j.explanation)
        for j in world.find_jobs()
    }
    held = wh.query(
        "SELECT job_id, status, score, explanation FROM scoring_jobs WHERE gone_at IS NULL"
    ).to_pylist()
    assert {r.pop("job_id"): tuple(r.values()) for r in held} == jobs
    assert len(jobs) > 0


def test_syncs_into_iceberg_match_duckdb_table_for_table_and_mart_for_mart(
    simulator: SimulatorServer,
    iceberg: IcebergWarehouse,
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    with DuckDBWarehouse.open(tmp_path / "meibel.duckdb") as duck:
        for round_, minutes in enumerate((0, 90)):
            # Round 1 is incremental: the simulator's sessions moved on, jobs got scores.
            simulator.world.advance(minutes)
            synced_at = datetime.now(UTC)
            sync(simulator, duck, synced_at)
            started = time.perf_counter()
            sync(simulator, iceberg, synced_at)
            record_property(f"iceberg_sync_{round_}_s", round(time.perf_counter() - started, 2))

            reconciled_at = datetime.now(UTC)
            duck_totals = duck.reconcile(TOLERANCE, reconciled_at)
            with iceberg.query_engine() as engine:
                totals = engine.reconcile(TOLERANCE, reconciled_at)
                assert totals == duck_totals
                assert sum(level.compared for level in totals) > 0
                assert all(level.mismatched == 0 for level in totals)
                assert_equals_api(engine, simulator)
                assert_same_warehouse(engine, duck)
                iceberg.publish(engine, "summary_reconciliation_totals")
                iceberg.publish(engine, "summary_reconciliation")
            with iceberg.query_engine() as engine:
                for table in ("summary_reconciliation_totals", "summary_reconciliation"):
                    assert contents(engine, table) == contents(duck, table), table
                assert len(contents(engine, "summary_reconciliation_totals")[1]) == 3

        # The second round found scores arriving: history has closed versions on both sides.
        closed = "SELECT count(*) AS n FROM scoring_job_history WHERE valid_to IS NOT NULL"
        assert duck.query(closed)["n"][0].as_py() > 0

    keys = objects_in(s3_endpoint, bucket)
    assert any(key.startswith("warehouse/meibel/sessions/data/agent_id=") for key in keys)
    assert any(key.endswith(".metadata.json") for key in keys)
