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
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import pyarrow as pa

from pipeline.api.client import MeibelClient
from pipeline.api.errors import RateLimitExhausted, RequestBudgetExhausted
from pipeline.api.models import AgentSummary
from pipeline.ingest import records
from pipeline.ingest.jobs_decode import JobsDecoder
from pipeline.ingest.plan import JobsPlan, jobs_plan, sessions_plan
from pipeline.ingest.warehouse_thread import WarehouseThread
from pipeline.ingest.weighted_semaphore import WeightedSemaphore
from pipeline.warehouse.backends import SyncTarget
from pipeline.warehouse.duckdb_warehouse import AgentCommit, AgentPosition
from pipeline.warehouse.schemas import Table

Progress = Callable[[str], None]
VerifySessions = Literal["all", "none"] | int
# An incremental sync rarely touches more; a backfill's sample stays a small share of its cost.
DEFAULT_VERIFY_SESSIONS = 50


@dataclass(frozen=True)
class SyncOptions:
    full_refresh: bool = False
    # How far before the newest session we hold an incremental read still looks.
    lookback: timedelta = timedelta(hours=1)
    # Of the sessions a sync touches (new, unsettled, or with changed jobs), whose API summary
    # is fetched to reconcile: every one, none, or a random sample of at most this many per
    # sync. Each costs one request; the agent summaries (one per agent, every sync) check
    # every job besides.
    verify_sessions: VerifySessions = DEFAULT_VERIFY_SESSIONS
    # The most sessions whose jobs one request may ask for: the jobs endpoint is not paged,
    # so a larger agent is read version by version, or session by session.
    max_sessions_per_jobs_request: int = 10_000
    agents_in_parallel: int = 4
    # Sessions whose jobs answers are in flight at once, across agents, each answer weighing
    # the sessions it covers: with agents_in_parallel, what bounds the sync's memory (about 3 KB
    # a session, and several times that while decoded; an agent's first answer stays decoded
    # until the agent commits). An answer larger than this goes alone.
    jobs_sessions_in_flight: int = 10_000
    sample_seed: int | None = None
    # Sync only these agents (by id), as one partition of a per-agent run does; None: all.
    agent_ids: frozenset[str] | None = None


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
    warehouse: SyncTarget,
    options: SyncOptions,
    synced_at: datetime,
    progress: Progress,
) -> SyncReport:
    # Arrow's buffers from the C allocator, whose large blocks go back to the system when freed,
    # rather than pyarrow's bundled mimalloc, which keeps them: a million-job sync peaked 25 MB
    # lower. For the whole process, and so set before the sync's first batch.
    pa.set_memory_pool(pa.system_memory_pool())
    thread = WarehouseThread()
    try:
        await thread.run(warehouse.begin_sync)
        return await _sync_agents(client, warehouse, thread, options, synced_at, progress)
    finally:
        thread.close()
        # The thread is done: no call of it is left to share the connection with this one.
        warehouse.end_sync()


async def _sync_agents(
    client: MeibelClient,
    warehouse: SyncTarget,
    thread: WarehouseThread,
    options: SyncOptions,
    synced_at: datetime,
    progress: Progress,
) -> SyncReport:
    report = SyncReport(synced_at)
    listed = await client.list_agents()
    rejected = records.quarantine_batch(client.drain_rejected())
    batches = {Table.AGENTS: records.agents_batch(listed), Table.QUARANTINE: rejected}
    await thread.run(warehouse.load, batches, synced_at)
    wanted = options.agent_ids
    agents = [agent for agent in listed if wanted is None or agent.id in wanted]
    report.fetched[Table.AGENTS] = len(agents)
    report.quarantined += rejected.num_rows
    progress(f"{len(agents)} agents")
    positions = await thread.run(warehouse.agent_positions)
    slots = asyncio.Semaphore(options.agents_in_parallel)
    context = _SyncContext(
        options,
        report,
        progress,
        thread,
        JobsDecoder(),
        verification_budget(options, len(agents)),
        WeightedSemaphore(options.jobs_sessions_in_flight),
    )

    async def sync_one(agent: AgentSummary) -> None:
        async with slots:
            try:
                await _sync_agent(client, warehouse, agent, positions.get(agent.id), context)
            except (RequestBudgetExhausted, RateLimitExhausted):
                # The request budget, or the API's own quota, is spent. Nothing of this agent
                # was committed; its read position stays where it was, so the next sync
                # picks it up.
                report.agents_deferred.append(agent.name)

    try:
        await _all_or_none(sync_one(agent) for agent in agents)
    finally:
        context.decoder.close()
    leftover = records.quarantine_batch(client.drain_rejected())
    if leftover.num_rows:
        await thread.run(warehouse.load, {Table.QUARANTINE: leftover}, synced_at)
        report.quarantined += leftover.num_rows
    if report.agents_deferred:
        progress(
            f"request budget or rate-limit quota spent: {len(report.agents_deferred)} agents "
            "left for the next sync"
        )
    report.requests_by_endpoint.update(client.requests_by_endpoint)
    return report


@dataclass(frozen=True)
class _SyncContext:
    """What every agent's sync of one run shares."""

    options: SyncOptions
    report: SyncReport
    progress: Progress
    thread: WarehouseThread
    decoder: JobsDecoder
    verification: VerificationBudget
    jobs_in_flight: WeightedSemaphore


async def _sync_agent(
    client: MeibelClient,
    warehouse: SyncTarget,
    agent: AgentSummary,
    position: AgentPosition | None,
    context: _SyncContext,
) -> None:
    try:
        await _read_and_commit(client, warehouse, agent, position, context)
    except BaseException:
        # Given up, what the stage holds must not reach a later commit of this agent. (A commit
        # empties it itself.)
        await context.thread.run(warehouse.discard_staged_jobs, agent.id)
        raise


async def _read_and_commit(
    client: MeibelClient,
    warehouse: SyncTarget,
    agent: AgentSummary,
    position: AgentPosition | None,
    context: _SyncContext,
) -> None:
    options, report = context.options, context.report
    plan = sessions_plan(position, options.full_refresh, options.lookback)
    sessions = await client.list_sessions(agent.id, back_to=plan.back_to)
    # Kept as the Arrow batch they commit as: their models weigh ten times more (20 MB for
    # 10,000 sessions), and an agent holds them while its jobs arrive.
    listed = {s.session_id: s.agent_version for s in sessions}
    sessions_read = records.sessions_batch(agent.id, sessions)
    del sessions
    thread = context.thread
    held = await thread.run(warehouse.agent_sessions, agent.id)
    if plan.mode == "full":
        touched = set(listed)
    else:
        touched = {sid for sid in listed if sid not in held}
        touched |= {sid for sid, session in held.items() if not session.settled}

    versions = {sid: session.agent_version for sid, session in held.items()} | listed
    jobs = jobs_plan(agent.name, touched, versions, options.max_sessions_per_jobs_request)
    # The agent's summary is read alongside its jobs, the closest the two readings can be, and
    # is there when they are: read after them, it held up the agent's commit (a million-job
    # sync's writer sat idle 0.35 s an agent while its 4 MB of job ids arrived).
    _, agent_summary = await _all_or_none(
        [
            _stage_jobs(client, warehouse, context, agent.id, jobs),
            client.agent_summary(agent.name),
        ]
    )
    changed = await thread.run(warehouse.changed_job_sessions, agent.id) & versions.keys()
    candidates = sorted(touched | changed)
    to_verify = _sample(candidates, context.verification.take(len(candidates)), options)

    session_summaries = await asyncio.gather(
        *(client.session_summary(agent.name, sid) for sid in to_verify)
    )
    session_rows, turn_rows = records.session_summaries_batches(
        agent.name, list(zip(to_verify, session_summaries, strict=True))
    )
    # Records any agent's requests set aside so far commit with this agent: they are facts of
    # their own, and committing them early loses none if a later agent fails.
    rejected = records.quarantine_batch(client.drain_rejected())
    loaded = await thread.run(
        warehouse.commit_agent,
        AgentCommit(
            agent_id=agent.id,
            agent_name=agent.name,
            batches={
                Table.SESSIONS: sessions_read,
                Table.API_AGENT_SUMMARIES: records.agent_summaries_batch(
                    [(agent.name, agent_summary)]
                ),
                Table.API_SESSION_SUMMARIES: session_rows,
                Table.API_TURN_SUMMARIES: turn_rows,
                Table.QUARANTINE: rejected,
            },
            mode=plan.mode,
            jobs_agent_wide=jobs.agent_wide,
            stale_summaries=sorted(changed - set(to_verify)),
        ),
        report.synced_at,
    )
    report.fetched.update(loaded)
    report.quarantined += rejected.num_rows
    report.agents_by_mode[plan.mode] += 1
    report.sessions_touched += len(candidates)
    report.sessions_verified += len(to_verify)
    context.progress(
        f"agent {agent.name!r} ({plan.mode}): {sessions_read.num_rows} sessions read, "
        f"{len(candidates)} touched, {loaded[Table.SCORING_JOBS]} jobs in "
        f"{len(jobs.requests)} requests, {len(to_verify)} verified"
    )


async def _stage_jobs(
    client: MeibelClient,
    warehouse: SyncTarget,
    context: _SyncContext,
    agent_id: str,
    plan: JobsPlan,
) -> None:
    """Every response of the plan into the warehouse's stage as it arrives, none held here."""

    async def fetch(filters: dict[str, str], reach: int) -> None:
        async with context.jobs_in_flight.hold(reach):
            decoded = await client.list_jobs_as(context.decoder, **filters)
            await context.thread.run(warehouse.stage_jobs, agent_id, decoded.table)

    await _all_or_none(
        fetch(filters, reach) for filters, reach in zip(plan.requests, plan.reach, strict=True)
    )


async def _all_or_none(calls: Iterable[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run the calls at once and return their results; when one fails, the others are
    cancelled and awaited before its error goes on, so that none still stages jobs or commits
    after its caller gave up."""
    tasks = [asyncio.create_task(call) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class VerificationBudget:
    """A sync's budget of session summaries, shared out between its agents as they ask.

    Each agent gets at most an even share of what is left among the agents still to ask, so
    an agent that needs less leaves more for the rest and none starves the others.
    """

    left: int | None  # None: no limit
    agents_left: int

    def take(self, wanted: int) -> int:
        if self.left is None:
            return wanted
        share = -(-self.left // max(self.agents_left, 1))
        granted = min(wanted, share)
        self.left -= granted
        self.agents_left -= 1
        return granted


def verification_budget(options: SyncOptions, agents: int) -> VerificationBudget:
    if options.verify_sessions == "all":
        return VerificationBudget(None, agents)
    if options.verify_sessions == "none":
        return VerificationBudget(0, agents)
    return VerificationBudget(options.verify_sessions, agents)


def _sample(session_ids: Sequence[str], size: int, options: SyncOptions) -> list[str]:
    if size >= len(session_ids):
        return list(session_ids)
    return sorted(random.Random(options.sample_seed).sample(list(session_ids), size))
