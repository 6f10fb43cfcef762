"""The sync's memory bound on DuckDB: it bounds a sync's memory, never the size of what syncs."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import duckdb
import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.ingest import records
from pipeline.ingest.sync import SyncOptions, run_sync
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.schemas import Table
from tests.e2e.sync_env import SyncEnvFactory, memory_limit

# Far too little for any load: every step of a sync runs out of it.
TOO_LITTLE = "1MB"


class TightlyBoundWarehouse(DuckDBWarehouse):
    """A real warehouse whose sync bound is far smaller than the sync's steps need."""

    def begin_sync(self) -> None:
        super().begin_sync()
        self.con.execute(f"SET memory_limit = '{TOO_LITTLE}'")


def test_a_step_too_large_for_the_bound_runs_again_without_it(
    sync_env_factory: SyncEnvFactory, caplog: pytest.LogCaptureFixture
) -> None:
    env = sync_env_factory(agents=2, sessions_per_agent=20)
    config = ClientConfig(base_url=env.simulator.base_url, api_key=env.simulator.api_key)

    async def sync(wh: DuckDBWarehouse) -> None:
        async with MeibelClient(config) as api:
            await run_sync(api, wh, SyncOptions(), datetime.now(UTC), lambda _: None)

    with DuckDBWarehouse.open(env.warehouse) as opened:
        wh = TightlyBoundWarehouse(opened.con)
        unbounded = memory_limit(wh)
        with caplog.at_level(logging.WARNING, logger="pipeline.warehouse.duckdb_warehouse"):
            asyncio.run(sync(wh))
        held = wh.query("SELECT job_id FROM scoring_jobs").column("job_id").to_pylist()
        committed = set(wh.agent_positions())
        assert memory_limit(wh) == unbounded

    assert sorted(held) == sorted(job.job_id for job in env.jobs())
    assert committed == set(env.simulator.world.agent_ids)
    # The first step of the sync (loading the agents) is the first to run out and be told.
    assert "load needed more memory than a sync's bound" in caplog.text


def test_out_of_the_bound_outside_a_sync_is_duckdbs_own_error(
    sync_env_factory: SyncEnvFactory,
) -> None:
    """Outside a sync no bound is ours to lift; and the statement's error is what surfaces, not
    the aborted transaction's refusal to unregister the batch afterwards."""
    env = sync_env_factory(agents=2, sessions_per_agent=5)
    with DuckDBWarehouse.open(env.warehouse) as wh:
        wh.con.execute(f"SET memory_limit = '{TOO_LITTLE}'")
        with pytest.raises(duckdb.OutOfMemoryException):
            wh.load({Table.AGENTS: records.agents_batch(env.agents())}, datetime.now(UTC))
        wh.con.execute("RESET memory_limit")
        assert wh.row_count("agents") == 0
