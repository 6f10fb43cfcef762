"""One sync: the agents, then per agent its sessions, jobs and API summaries, committed at once.

Incremental by default: each agent's newest-first session listing is read back to what the
warehouse already holds (less a lookback), and jobs are read again only for the sessions that
are new or not yet settled. A full refresh reads everything and marks what is missing as gone.
Each agent is committed in one transaction together with its read position, so a sync that
dies part-way leaves every agent either as it was or wholly moved forward, and the next sync
carries on from what was committed.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pipeline.api.client import MeibelClient
from pipeline.api.errors import RateLimitExhausted, RequestBudgetExhausted
from pipeline.api.models import AgentSummary, ScoringJobResponse
from pipeline.ingest import records
from pipeline.ingest.plan import jobs_agent_wide, sessions_plan
from pipeline.warehouse.duckdb_warehouse import AgentCommit, AgentPosition, DuckDBWarehouse
from pipeline.warehouse.schemas import Table

Progress = Callable[[str], None]
VerifySessions = Literal["all", "none"] | int


@dataclass(frozen=True)
class SyncOptions:
    full_refresh: bool = False
    # How far before the newest session we hold an incremental read still looks.
    lookback: timedelta = timedelta(hours=1)
    # Of the sessions a sync touches (new, unsettled, or with changed jobs), whose API summary
    # is fetched to reconcile: every one, none, or a random sample of at most this many per
    # agent. Each costs one request.
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
    agents_by_mode: Counter[str] = field(default_factory=Counter)
    sessions_touched: int = 0
    sessions_verified: int = 0
    quarantined: int = 0
    # Agents left for the next sync because the request budget ran out before their commit.
    agents_deferred: list[str] = field(default_factory=list)

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
    rejected = records.quarantine_batch(client.drain_rejected())
    warehouse.load(
        {Table.AGENTS: records.agents_batch(agents), Table.QUARANTINE: rejected}, synced_at
    )
    report.fetched[Table.AGENTS] = len(agents)
    report.quarantined += rejected.num_rows
    progress(f"{len(agents)} agents")
    positions = warehouse.agent_positions()
    slots = asyncio.Semaphore(options.agents_in_parallel)

    async def sync_one(agent: AgentSummary) -> None:
        async with slots:
            try:
                await _sync_agent(
                    client, warehouse, agent, positions.get(agent.id), options, report, progress
                )
            except (RequestBudgetExhausted, RateLimitExhausted):
                # The request budget, or the API's own quota, is spent. Nothing of this agent
                # was committed; its read position stays where it was, so the next sync
                # picks it up.
                report.agents_deferred.append(agent.name)

    await asyncio.gather(*(sync_one(agent) for agent in agents))
    leftover = records.quarantine_batch(client.drain_rejected())
    if leftover.num_rows:
        warehouse.load({Table.QUARANTINE: leftover}, synced_at)
        report.quarantined += leftover.num_rows
    if report.agents_deferred:
        progress(
            f"request budget or rate-limit quota spent: {len(report.agents_deferred)} agents "
            "left for the next sync"
        )
    report.requests_by_endpoint.update(client.requests_by_endpoint)
    return report


async def _sync_agent(
    client: MeibelClient,
    warehouse: DuckDBWarehouse,
    agent: AgentSummary,
    position: AgentPosition | None,
    options: SyncOptions,
    report: SyncReport,
    progress: Progress,
) -> None:
    plan = sessions_plan(position, options.full_refresh, options.lookback)
    sessions = await client.list_sessions(agent.id, back_to=plan.back_to)
    known = warehouse.agent_sessions(agent.id)
    listed = {s.session_id for s in sessions}
    if plan.mode == "full":
        touched = listed
    else:
        touched = {sid for sid in listed if sid not in known}
        touched |= {sid for sid, settled in known.items() if not settled}

    agent_wide = jobs_agent_wide(
        len(touched), len(listed | known.keys()), options.max_sessions_per_jobs_request
    )
    jobs = await _jobs_of(client, agent, touched, agent_wide)
    jobs_batch = records.jobs_batch(jobs)
    existing = listed | known.keys()
    changed = warehouse.changed_job_sessions(jobs_batch) & existing
    to_verify = _sample(sorted(touched | changed), options)

    agent_summary, *session_summaries = await asyncio.gather(
        client.agent_summary(agent.name),
        *(client.session_summary(agent.name, sid) for sid in to_verify),
    )
    session_rows, turn_rows = records.session_summaries_batches(
        agent.name, list(zip(to_verify, session_summaries, strict=True))
    )
    # Records any agent's requests set aside so far commit with this agent: they are facts of
    # their own, and committing them early loses none if a later agent fails.
    rejected = records.quarantine_batch(client.drain_rejected())
    loaded = warehouse.commit_agent(
        AgentCommit(
            agent_id=agent.id,
            agent_name=agent.name,
            batches={
                Table.SESSIONS: records.sessions_batch(agent.id, sessions),
                Table.SCORING_JOBS: jobs_batch,
                Table.API_AGENT_SUMMARIES: records.agent_summaries_batch(
                    [(agent.name, agent_summary)]
                ),
                Table.API_SESSION_SUMMARIES: session_rows,
                Table.API_TURN_SUMMARIES: turn_rows,
                Table.QUARANTINE: rejected,
            },
            mode=plan.mode,
            jobs_agent_wide=agent_wide,
        ),
        report.synced_at,
    )
    report.fetched.update(loaded)
    report.quarantined += rejected.num_rows
    report.agents_by_mode[plan.mode] += 1
    report.sessions_touched += len(touched | changed)
    report.sessions_verified += len(to_verify)
    progress(
        f"agent {agent.name!r} ({plan.mode}): {len(sessions)} sessions read, "
        f"{len(touched | changed)} touched, {len(jobs)} jobs, {len(to_verify)} verified"
    )


async def _jobs_of(
    client: MeibelClient, agent: AgentSummary, sessions: Collection[str], agent_wide: bool
) -> list[ScoringJobResponse]:
    if not sessions:
        return []
    if agent_wide:
        batches = [await client.list_jobs(agent_name=agent.name)]
    else:
        batches = await asyncio.gather(
            *(client.list_jobs(agent_name=agent.name, agent_session_id=sid) for sid in sessions)
        )
    # A job read twice (a page repeated, overlapping filters) is one job.
    unique = {job.job_id: job for jobs in batches for job in jobs}
    return list(unique.values())


def _sample(session_ids: Sequence[str], options: SyncOptions) -> list[str]:
    if options.verify_sessions == "all":
        return list(session_ids)
    if options.verify_sessions == "none":
        return []
    size = min(options.verify_sessions, len(session_ids))
    return sorted(random.Random(options.sample_seed).sample(list(session_ids), size))
