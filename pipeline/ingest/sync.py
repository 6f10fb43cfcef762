"""One sync: agents, then each agent's sessions, jobs and API summaries, loaded per agent.

Each agent's sessions, jobs and summaries are committed in one transaction, so a failure
part-way leaves every agent either as it was or wholly moved forward.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pipeline.api.client import MeibelClient
from pipeline.api.models import AgentSummary, ScoringJobResponse, SessionSummary
from pipeline.ingest import records
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.schemas import Table

Progress = Callable[[str], None]
VerifySessions = Literal["all", "none"] | int


@dataclass(frozen=True)
class SyncOptions:
    # Which sessions get their API summary fetched for reconciliation: every one, none, or at
    # most this many per sync, drawn at random (each costs one request).
    verify_sessions: VerifySessions = "all"
    # An agent with more sessions than this has its jobs fetched session by session, so that
    # no single unpaged response grows without bound.
    max_sessions_per_jobs_request: int = 2000
    agents_in_parallel: int = 4
    sample_seed: int | None = None


@dataclass
class SyncReport:
    synced_at: datetime
    fetched: Counter[Table] = field(default_factory=Counter)
    requests_by_endpoint: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.requests_by_endpoint.values())


async def run_sync(
    client: MeibelClient,
    warehouse: DuckDBWarehouse,
    options: SyncOptions,
    synced_at: datetime,
    progress: Progress,
) -> SyncReport:
    report = SyncReport(synced_at)
    agents = await client.list_agents()
    warehouse.load({Table.AGENTS: records.agents_batch(agents)}, synced_at)
    report.fetched[Table.AGENTS] = len(agents)
    progress(f"{len(agents)} agents")

    slots = asyncio.Semaphore(options.agents_in_parallel)

    async def sessions_of(agent: AgentSummary) -> list[SessionSummary]:
        async with slots:
            return await client.list_sessions(agent.id)

    sessions_by_agent = await asyncio.gather(*(sessions_of(agent) for agent in agents))
    verified = _sessions_to_verify(sessions_by_agent, options)

    async def sync_agent(agent: AgentSummary, sessions: list[SessionSummary]) -> None:
        async with slots:
            jobs = await _jobs_of(client, agent, sessions, options)
            to_verify = [s.session_id for s in sessions if s.session_id in verified]
            agent_summary, *session_summaries = await asyncio.gather(
                client.agent_summary(agent.name),
                *(client.session_summary(agent.name, sid) for sid in to_verify),
            )
        session_rows, turn_rows = records.session_summaries_batches(
            agent.name, list(zip(to_verify, session_summaries, strict=True))
        )
        loaded = warehouse.load(
            {
                Table.SESSIONS: records.sessions_batch(agent.id, sessions),
                Table.SCORING_JOBS: records.jobs_batch(jobs),
                Table.API_AGENT_SUMMARIES: records.agent_summaries_batch(
                    [(agent.name, agent_summary)]
                ),
                Table.API_SESSION_SUMMARIES: session_rows,
                Table.API_TURN_SUMMARIES: turn_rows,
            },
            synced_at,
        )
        report.fetched.update(loaded)
        progress(
            f"agent {agent.name!r}: {len(sessions)} sessions, {len(jobs)} jobs, "
            f"{len(to_verify)} session summaries"
        )

    await asyncio.gather(
        *(
            sync_agent(agent, sessions)
            for agent, sessions in zip(agents, sessions_by_agent, strict=True)
        )
    )
    report.requests_by_endpoint.update(client.requests_by_endpoint)
    return report


async def _jobs_of(
    client: MeibelClient,
    agent: AgentSummary,
    sessions: Sequence[SessionSummary],
    options: SyncOptions,
) -> list[ScoringJobResponse]:
    # One request covers a whole agent; agents too large for one response go session by session.
    if len(sessions) <= options.max_sessions_per_jobs_request:
        return await client.list_jobs(agent_name=agent.name)
    per_session = await asyncio.gather(
        *(client.list_jobs(agent_name=agent.name, agent_session_id=s.session_id) for s in sessions)
    )
    unique = {job.job_id: job for jobs in per_session for job in jobs}
    return list(unique.values())


def _sessions_to_verify(
    sessions_by_agent: Sequence[Sequence[SessionSummary]], options: SyncOptions
) -> set[str]:
    every = [s.session_id for sessions in sessions_by_agent for s in sessions]
    if options.verify_sessions == "all":
        return set(every)
    if options.verify_sessions == "none":
        return set()
    sample_size = min(options.verify_sessions, len(every))
    return set(random.Random(options.sample_seed).sample(every, sample_size))
