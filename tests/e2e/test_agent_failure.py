"""One agent's commit fails mid-sync: the sync stops whole, and nothing is left half-done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from pipeline.api.client import ClientConfig, MeibelClient
from pipeline.ingest.sync import SyncOptions, run_sync
from pipeline.warehouse.duckdb_warehouse import AgentCommit, DuckDBWarehouse
from pipeline.warehouse.schemas import Table
from tests.e2e.sync_env import SyncEnvFactory, memory_limit


class CommitFailed(Exception):
    pass


class FailingCommitWarehouse(DuckDBWarehouse):
    """A real warehouse whose commit of one agent fails, as a full disk would fail it."""

    failing_agent = ""
    memory_limits: set[str]

    def commit_agent(self, commit: AgentCommit, synced_at: datetime) -> dict[Table, int]:
        self.memory_limits.add(memory_limit(self))
        if commit.agent_id == self.failing_agent:
            raise CommitFailed(commit.agent_id)
        return super().commit_agent(commit, synced_at)


def test_a_failed_agent_stops_the_others_and_leaves_every_agent_whole_or_untouched(
    sync_env_factory: SyncEnvFactory,
) -> None:
    env = sync_env_factory(agents=6, sessions_per_agent=8)
    config = ClientConfig(base_url=env.simulator.base_url, api_key=env.simulator.api_key)
    agent_ids = env.simulator.world.agent_ids
    jobs_by_agent = {agent.id: agent.name for agent in env.agents()}

    # Two agents at a time: when the failing one fails, others are still reading.
    options = SyncOptions(agents_in_parallel=2)

    async def sync(wh: FailingCommitWarehouse) -> set[asyncio.Task[object]]:
        async with MeibelClient(config) as api:
            with pytest.raises(CommitFailed):
                await run_sync(api, wh, options, datetime.now(UTC), lambda _: None)
        # What is still running once the sync has said it failed.
        return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}

    with DuckDBWarehouse.open(env.warehouse) as opened:
        wh = FailingCommitWarehouse(opened.con)
        wh.failing_agent = agent_ids[1]
        wh.memory_limits = set()
        unbounded = memory_limit(wh)
        still_running = asyncio.run(sync(wh))
        assert still_running == set()
        # DuckDB's memory was bounded while the sync wrote, and is given back though it failed.
        [bounded] = wh.memory_limits
        assert bounded != unbounded
        assert memory_limit(wh) == unbounded
        # Every agent's staged jobs were given up: none can reach a later commit.
        assert all(wh.changed_job_sessions(agent_id) == set() for agent_id in agent_ids)
        committed = set(wh.agent_positions())
        held = wh.query("SELECT agent_name, count(*) AS n FROM scoring_jobs GROUP BY ALL")
        jobs_held = dict(zip(*held.to_pydict().values(), strict=True))

    assert agent_ids[1] not in committed
    assert committed < set(agent_ids)
    api_jobs = {name: 0 for name in jobs_by_agent.values()}
    for job in env.jobs():
        api_jobs[job.agent_identity_context.agent_name or ""] += 1
    # A committed agent holds all its jobs; any other holds none.
    assert jobs_held == {
        jobs_by_agent[agent_id]: api_jobs[jobs_by_agent[agent_id]] for agent_id in committed
    }
