"""The capacity model counts exactly the requests real syncs of the simulator make."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.capacity.model import (
    AgentWorld,
    SessionFacts,
    Sizes,
    request_model,
    sync_requests,
)
from pipeline.ingest.sync import SyncOptions, VerifySessions, run_sync
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from tests.conftest import SimulatorFactory

AGENTS, SESSIONS, JOBS = 3, 45, 6.0
# Small pages, so that a small world still reads several of them.
CONFIG = ClientConfig(page_size=10)


def sync(simulator: SimulatorServer, warehouse: Path, options: SyncOptions) -> Counter[str]:
    async def run() -> Counter[str]:
        config = ClientConfig(
            base_url=simulator.base_url, api_key=simulator.api_key, page_size=CONFIG.page_size
        )
        with DuckDBWarehouse.open(warehouse) as wh:
            async with MeibelClient(config) as client:
                report = await run_sync(client, wh, options, datetime.now(UTC), lambda _: None)
        assert report.agents_deferred == []
        return report.requests_by_endpoint

    return asyncio.run(run())


def as_synced_next(simulator: SimulatorServer, warehouse: Path) -> list[tuple[AgentWorld, int]]:
    """Each agent as the next sync meets it: what the warehouse holds, what the API lists."""
    world = simulator.world
    agents = []
    with DuckDBWarehouse.open(warehouse, read_only=True) as wh:
        for agent_id, name in zip(world.agent_ids, world.agent_names, strict=True):
            held = {
                row["session_id"]: SessionFacts(
                    row["start_time"], row["agent_version"], row["running"], row["settled"]
                )
                for row in wh.query(
                    "SELECT session_id, start_time, agent_version, status = 'RUNNING' AS running,"
                    " settled_at IS NOT NULL AS settled FROM sessions "
                    f"WHERE agent_id = '{agent_id}' AND gone_at IS NULL"
                ).to_pylist()
            }
            total = world.list_sessions(agent_id).total
            listing = [
                (s.session_id, SessionFacts(s.start_time, s.agent_version))
                for offset in range(0, total, 100)
                for s in world.list_sessions(agent_id, offset).data
            ]
            agents.append((AgentWorld(name, held, listing), 1))
    return agents


@pytest.mark.parametrize(
    ("max_sessions_per_jobs_request", "verify_sessions"),
    [
        (SyncOptions.max_sessions_per_jobs_request, SyncOptions.verify_sessions),  # agent-wide
        (1, "all"),  # session by session, every summary
    ],
)
def test_a_first_and_an_incremental_sync_make_the_requests_the_model_counts(
    simulator_factory: SimulatorFactory,
    tmp_path: Path,
    max_sessions_per_jobs_request: int,
    verify_sessions: VerifySessions,
) -> None:
    simulator = simulator_factory(
        seed=11, agents=AGENTS, sessions_per_agent=SESSIONS, jobs_per_session=JOBS
    )
    warehouse = tmp_path / "meibel.duckdb"
    options = SyncOptions(
        verify_sessions=verify_sessions,
        max_sessions_per_jobs_request=max_sessions_per_jobs_request,
    )

    # The first sync, from the sizes alone.
    sizes = Sizes(
        agents=AGENTS,
        sessions=SESSIONS,
        jobs=JOBS,
        verify_sessions=verify_sessions,
        max_sessions_per_jobs_request=max_sessions_per_jobs_request,
    )
    first = sync(simulator, warehouse, options)
    assert request_model(sizes, CONFIG).per_sync["backfill"] == first
    assert first["sessions"] == AGENTS * 5  # 45 sessions, 10 a page

    # Time moves on: sessions arrive and end, scores settle. The next sync reads back from
    # what the warehouse holds.
    arrived = simulator.world.advance(6 * 60).sessions_started
    assert arrived > 2 * CONFIG.page_size
    expected = sync_requests(as_synced_next(simulator, warehouse), options, CONFIG)
    second = sync(simulator, warehouse, options)
    assert second == expected
    assert second["sessions"] > AGENTS  # some agent read more than one page
    assert second["jobs"] > 0
