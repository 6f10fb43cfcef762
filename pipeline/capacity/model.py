"""Requests per sync, counted by replaying the sync's own decisions through its planner.

Nothing here restates a request formula. For each agent the model builds what a sync would
meet (the sessions the warehouse holds, the newest-first listing the API serves), then asks
the real `sessions_plan` how far back to read, pages that listing at `ClientConfig.page_size`
with the client's stopping rule, asks the real `jobs_plan` for the jobs requests, and shares
the session summaries out with the sync's own verification budget. `run_sync` makes the same
decisions from the same inputs, which `tests/capacity` checks against the simulator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from pipeline.api.client import ClientConfig
from pipeline.ingest.plan import jobs_plan, sessions_plan

# The budget of session summaries shared between a sync's agents: private to the sync, used
# here so that the model and the sync cannot share them out differently.
from pipeline.ingest.sync import SyncOptions, VerifySessions, verification_budget
from pipeline.warehouse.duckdb_warehouse import AgentPosition

# Endpoints as MeibelClient counts them (SyncReport.requests_by_endpoint).
ENDPOINTS: tuple[str, ...] = ("agents", "sessions", "jobs", "agent_summary", "session_summary")
SyncKind = Literal["backfill", "incremental", "full_refresh"]
SYNC_KINDS: tuple[SyncKind, ...] = ("backfill", "incremental", "full_refresh")


@dataclass(frozen=True)
class SessionFacts:
    start_time: datetime
    agent_version: str | None
    # Still RUNNING when last read: an incremental read reaches back to the oldest such one.
    running: bool = False
    # Held sessions only: settled ones are not read again by an incremental sync.
    settled: bool = True


@dataclass(frozen=True)
class AgentWorld:
    """One agent as a sync meets it."""

    name: str
    # What the warehouse holds (empty for an agent never synced).
    held: Mapping[str, SessionFacts]
    # What the API lists now, newest first.
    listing: Sequence[tuple[str, SessionFacts]]


@dataclass(frozen=True)
class AgentCost:
    requests: Counter[str]  # every endpoint but the session summaries
    # Sessions whose summary the sync would like to reconcile (its verification candidates).
    candidates: int


def pages_read(starts: Sequence[datetime], back_to: datetime | None, page_size: int) -> int:
    """Pages `MeibelClient._paged` requests for a newest-first listing of these start times.

    It reads page after page until one holds a session that started before `back_to`, or the
    listing ends; the first page is always requested, even for an empty listing.
    """
    pages = 1
    for offset in range(0, len(starts), page_size):
        page = starts[offset : offset + page_size]
        if back_to is not None and any(start < back_to for start in page):
            break
        if offset + page_size >= len(starts):
            break
        pages += 1
    return pages


def agent_cost(agent: AgentWorld, options: SyncOptions, config: ClientConfig) -> AgentCost:
    """What one agent's sync asks for, decided as `pipeline.ingest.sync._sync_agent` decides."""
    position = _position(agent.held)
    plan = sessions_plan(position, options.full_refresh, options.lookback)
    pages = pages_read([s.start_time for _, s in agent.listing], plan.back_to, config.page_size)
    listed = dict(agent.listing[: pages * config.page_size])
    if plan.mode == "full":
        touched = set(listed)
    else:
        touched = {sid for sid in listed if sid not in agent.held}
        touched |= {sid for sid, s in agent.held.items() if not s.settled}
    versions = {sid: s.agent_version for sid, s in agent.held.items()} | {
        sid: s.agent_version for sid, s in listed.items()
    }
    jobs = jobs_plan(agent.name, touched, versions, options.max_sessions_per_jobs_request)
    requests = Counter({"sessions": pages, "jobs": len(jobs.requests), "agent_summary": 1})
    # A sync also verifies sessions outside `touched` whose jobs changed; a held session is
    # settled only once all its jobs are terminal, so the model counts none.
    return AgentCost(requests, len(touched))


def sync_requests(
    agents: Sequence[tuple[AgentWorld, int]], options: SyncOptions, config: ClientConfig
) -> Counter[str]:
    """Requests of one sync over these agents, each given with how many such agents there are.

    Agents alike are planned once and counted `copies` times; only the session summaries are
    shared out agent by agent, as the sync shares its verification budget.
    """
    total_agents = sum(copies for _, copies in agents)
    requests = Counter({"agents": _listing_pages(total_agents, config.page_size)})
    verification = verification_budget(options, total_agents)
    for agent, copies in agents:
        cost = agent_cost(agent, options, config)
        for endpoint, n in cost.requests.items():
            requests[endpoint] += n * copies
        for _ in range(copies):
            requests["session_summary"] += verification.take(cost.candidates)
    return Counter({endpoint: requests[endpoint] for endpoint in ENDPOINTS})


def _listing_pages(total: int, page_size: int) -> int:
    # A whole listing: its length is known from the first page, so no dates are needed.
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return pages_read([epoch] * total, None, page_size)


def _position(held: Mapping[str, SessionFacts]) -> AgentPosition | None:
    """The read position the warehouse keeps (`sql/state/agent_positions.sql`)."""
    if not held:
        return None
    running = [s.start_time for s in held.values() if s.running]
    return AgentPosition(
        max(s.start_time for s in held.values()), min(running) if running else None
    )


@dataclass(frozen=True)
class Sizes:
    """A deployment's size, and the sync settings that shape its requests."""

    agents: int
    sessions: int  # per agent, already held (history)
    jobs: float  # per session
    new_per_sync: int = 10  # sessions each agent starts between two syncs
    # Of the sessions that arrived since the sync before, the share still unsettled (scores
    # pending) at a sync: they are read again by the next one.
    unsettled_share: float = 0.5
    syncs_per_day: int = 24
    versions: int = 3  # agent versions per agent
    verify_sessions: VerifySessions = SyncOptions.verify_sessions
    max_sessions_per_jobs_request: int = SyncOptions.max_sessions_per_jobs_request

    def options(self, kind: SyncKind) -> SyncOptions:
        return SyncOptions(
            full_refresh=kind == "full_refresh",
            verify_sessions=self.verify_sessions,
            max_sessions_per_jobs_request=self.max_sessions_per_jobs_request,
        )

    @property
    def sync_interval(self) -> timedelta:
        return timedelta(days=1) / self.syncs_per_day


def synthetic_agent(sizes: Sizes, kind: SyncKind) -> AgentWorld:
    """One agent of `sizes` as a sync of `kind` meets it.

    Sessions arrive evenly, `new_per_sync` per sync interval; the history ran the agent's
    versions one after another in equal blocks, and new sessions run the newest. No session
    stays RUNNING past the lookback, so the read-back is the lookback's. Every agent alike, so
    one is built and counted `agents` times: a million sessions are never built.
    """
    now = datetime(2025, 6, 1, tzinfo=UTC)
    gap = sizes.sync_interval / max(sizes.new_per_sync, 1)
    newest = f"v{sizes.versions - 1}"

    def version(k: int) -> str:  # k: 0 for the newest held session
        return f"v{sizes.versions - 1 - (k * sizes.versions) // max(sizes.sessions, 1)}"

    last_sync = now - sizes.sync_interval
    unsettled = round(sizes.unsettled_share * sizes.new_per_sync)
    history = [
        (f"h{k}", SessionFacts(last_sync - k * gap, version(k), settled=k >= unsettled))
        for k in range(sizes.sessions)
    ]
    if kind == "backfill":
        return AgentWorld("agent", {}, [(sid, replace(s, settled=True)) for sid, s in history])
    new = [(f"n{k}", SessionFacts(now - k * gap, newest)) for k in range(sizes.new_per_sync)]
    return AgentWorld("agent", dict(history), new + history)


@dataclass(frozen=True)
class RequestModel:
    sizes: Sizes
    config: ClientConfig
    per_sync: Mapping[SyncKind, Counter[str]]

    def total(self, kind: SyncKind) -> int:
        return sum(self.per_sync[kind].values())

    @property
    def per_day(self) -> int:
        """Every scheduled sync is incremental once the backfill is done."""
        return self.total("incremental") * self.sizes.syncs_per_day


def request_model(sizes: Sizes, config: ClientConfig | None = None) -> RequestModel:
    config = config or ClientConfig()
    per_sync = {
        kind: sync_requests(
            [(synthetic_agent(sizes, kind), sizes.agents)], sizes.options(kind), config
        )
        for kind in SYNC_KINDS
    }
    return RequestModel(sizes, config, per_sync)
