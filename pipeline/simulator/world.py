"""The simulated Meibel tenant: agents, sessions and scoring jobs on a simulated clock.

Everything follows from a `WorldSpec` (seed and sizes): the same spec gives the same world,
byte for byte, and the same world after the same `advance()` calls. Each session is planned
whole when it starts (its turns, its jobs, when each job settles and how, when it ends); the
clock only replays those plans, so `advance(10)` twice equals `advance(20)` once.

Records are slotted and hold ids as integers: later work scales this to a million jobs, and
API models are built only for what a request returns. Jobs are indexed by agent and by
session so that the common requests never scan the whole world.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from pydantic import BaseModel

from pipeline.api.models import (
    AgentIdentityContext,
    AgentListResponse,
    AgentSummary,
    ScoringJobResponse,
    SessionListResponse,
    SessionSummary,
)

MAX_PAGE_SIZE: Final = 100

JUDGE_MODULES: Final = ("correctness", "coherence", "faithfulness")
STATISTICAL_MODULES: Final = ("observed_consistency", "data_grounding")
MODULES: Final = JUDGE_MODULES + STATISTICAL_MODULES
ENDED_SESSION_STATUSES: Final = ("COMPLETED", "FAILED", "CANCELED", "TERMINATED")
FINAL_JOB_STATUSES: Final = frozenset({"completed", "failed", "not_run"})
SORT_FIELDS: Final = ("start_time", "status")
JOB_FILTERS: Final = (
    "agent_name",
    "agent_version",
    "agent_session_id",
    "agent_workflow_name",
    "agent_workflow_version",
    "agent_workflow_session_id",
    "tool_id",
    "tool_instance_id",
    "tool_execution_id",
)

# Names a client must percent-encode come first, so that even a small world exercises them.
AGENT_NAMES: Final = (
    "Support Bot",
    "Résumé Screener ü",
    "Q&A #1?",
    "routing/triage",
    "50% off /session/ x",
    "ops-assistant",
    "数据 分析 helper",
    "billing+refunds; v2",
    "a/b/c %2F literal",
    "tilde~dash-under_score.dot",
)

# A fixed start keeps timestamps independent of when the simulator runs.
CLOCK_START: Final = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
_MINUTE: Final = 60
_HOUR: Final = 3600
_MEAN_SESSION_GAP: Final = 20 * _MINUTE
_EMPTY_SESSION_RATE: Final = 0.07
_NULL_TURN_RATE: Final = 0.12
_TOOL_RATE: Final = 0.5
_WORKFLOW_RATE: Final = 0.35
_BATCH_RATE: Final = 0.2
_NULL_SCORE_EVERY: Final = 17

_LLM_MODELS: Final = ("gpt-4o", "claude-sonnet-4", "gemini-2.5-pro")
_TOOLS: Final = ("search_kb", "lookup_order", "send_email", "sql_query", "web_fetch", "ticketing")
_WORKFLOWS: Final = ("onboarding", "escalation", "nightly-review", "checkout")
_EXPLANATIONS: Final = (
    "The answer is supported by the retrieved context.",
    "Minor inconsistency between turns; overall coherent.",
    "Claims match the cited sources with one unsupported detail.",
    "The response contradicts the tool output.",
    "Consistent across sampled generations.",
    "Grounded in the provided data for every numeric claim.",
)
_FAILURES: Final = (
    "Judge model timed out.",
    "Scoring input exceeded the context window.",
    "Upstream provider returned an error.",
)
_NOT_RUN: Final = ("Module not applicable to this output.", "Skipped: empty agent output.")


def _uuid(uid: int) -> str:
    # str(uuid.UUID(...)) costs four times as much, and a big job listing formats many ids.
    h = f"{uid:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _parse_uuid(text: str) -> int | None:
    """The integer behind a canonical id; None for anything else (no aliasing of spellings)."""
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return None
    return parsed.int if str(parsed) == text else None


def _new_uid(rng: random.Random) -> int:
    # 122 random bits: ids never collide in practice, and stay valid version-4 UUIDs.
    return uuid.UUID(int=rng.getrandbits(128), version=4).int


def _between(rng: random.Random, low: int, high: int) -> int:
    # randint's rejection sampling costs several times more; the hot paths draw a lot.
    return low + int(rng.random() * (high - low + 1))


def _timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class WorldSpec:
    """What a world is made from; equal specs make identical worlds."""

    seed: int = 0
    agents: int = 4
    sessions_per_agent: int = 50
    jobs_per_session: float = 6.0

    def __post_init__(self) -> None:
        if self.agents < 0 or self.sessions_per_agent < 0 or self.jobs_per_session < 0:
            raise ValueError(f"sizes must not be negative: {self}")


class AdvanceReport(BaseModel):
    """What one `advance()` changed."""

    now: datetime
    sessions_started: int = 0
    sessions_ended: int = 0
    jobs_appeared: int = 0
    jobs_settled: int = 0


class WorldCounts(BaseModel):
    now: datetime
    agents: int
    sessions: int
    running_sessions: int
    jobs: int
    pending_jobs: int


class UnknownAgentError(LookupError):
    pass


@dataclass(slots=True, eq=False)
class _Agent:
    index: int
    id: str
    name: str
    description: str | None
    versions: tuple[str, ...]
    type: str
    llm_model: str
    tools: tuple[str, ...]
    datasource_count: int
    customer_id: str
    project_id: str
    workflows: tuple[tuple[str, str], ...]
    rng: random.Random
    sessions: list[_Session] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Workflow:
    name: str
    version: str
    session_id: str


@dataclass(slots=True, eq=False)
class _Session:
    uid: int
    id: str
    agent: _Agent
    start: int
    version: str
    workflow: _Workflow | None
    batch: tuple[str, str] | None
    status: str = "RUNNING"
    end: int | None = None
    messages: int = 1
    tokens: tuple[int, int] | None = None
    jobs: list[_Job] = field(default_factory=list)
    # Events still to happen, latest first, so the next one pops off the end.
    plan: list[_Event] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Job:
    uid: int
    session: _Session
    turn: int | None
    module: str
    tool: int
    status: str = "submitted"
    score: float | int | None = None
    explanation: str | None = None


@dataclass(slots=True, frozen=True)
class _Appear:
    at: int
    jobs: tuple[_Job, ...]
    messages: int


@dataclass(slots=True, frozen=True)
class _Settle:
    at: int
    job: _Job
    status: str
    score: float | int | None
    explanation: str | None


@dataclass(slots=True, frozen=True)
class _End:
    at: int
    status: str
    tokens: tuple[int, int]


_Event = _Appear | _Settle | _End


@dataclass(frozen=True)
class _Shape:
    """Constraints that guarantee a small world still shows every case worth testing."""

    running: bool = False
    ends_before: int | None = None
    straggler: bool = False
    jobs: int | None = None
    min_jobs: int = 0
    end_status: str | None = None


def _tool_id(job: _Job) -> str | None:
    return job.session.agent.tools[job.tool] if job.tool >= 0 else None


def _tool_instance_id(job: _Job) -> str | None:
    return f"ti_{job.session.agent.id[4:]}_{job.tool}" if job.tool >= 0 else None


def _tool_execution_id(job: _Job) -> str | None:
    # Shared by the jobs that score one tool call: several modules judge the same output.
    if job.tool < 0:
        return None
    return f"te_{job.session.uid >> 64:016x}_{job.turn or 0}_{job.tool}"


def _workflow_field(pick: Callable[[_Workflow], str]) -> Callable[[_Job], str | None]:
    def get(job: _Job) -> str | None:
        workflow = job.session.workflow
        return pick(workflow) if workflow else None

    return get


_FILTER_GETTERS: Final[dict[str, Callable[[_Job], str | None]]] = {
    "agent_name": lambda job: job.session.agent.name,
    "agent_version": lambda job: job.session.version,
    "agent_session_id": lambda job: job.session.id,
    "agent_workflow_name": _workflow_field(lambda w: w.name),
    "agent_workflow_version": _workflow_field(lambda w: w.version),
    "agent_workflow_session_id": _workflow_field(lambda w: w.session_id),
    "tool_id": _tool_id,
    "tool_instance_id": _tool_instance_id,
    "tool_execution_id": _tool_execution_id,
}


def _job_model(job: _Job) -> ScoringJobResponse:
    session = job.session
    agent = session.agent
    workflow = session.workflow
    batch = session.batch
    identity = AgentIdentityContext(
        customer_id=agent.customer_id,
        project_id=agent.project_id,
        agent_name=agent.name,
        agent_version=session.version,
        agent_session_id=session.id,
        agent_turn=job.turn,
        agent_workflow_name=workflow.name if workflow else None,
        agent_workflow_version=workflow.version if workflow else None,
        agent_workflow_session_id=workflow.session_id if workflow else None,
        batch_definition_id=batch[0] if batch else None,
        batch_execution_id=batch[1] if batch else None,
        tool_id=_tool_id(job),
        tool_instance_id=_tool_instance_id(job),
        tool_execution_id=_tool_execution_id(job),
    )
    return ScoringJobResponse(
        job_id=_uuid(job.uid),
        agent_identity_context=identity,
        module=job.module,
        status=job.status,
        score=job.score,
        explanation=job.explanation,
    )


def _session_model(session: _Session) -> SessionSummary:
    tokens = session.tokens
    return SessionSummary(
        session_id=session.id,
        status=session.status,
        start_time=_timestamp(session.start),
        end_time=_timestamp(session.end) if session.end is not None else None,
        agent_name=session.agent.name,
        agent_version=session.version,
        messages_count=session.messages,
        token_usage=(
            {"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)}
            if tokens
            else None
        ),
        result=(
            [{"type": "text", "content": f"Resolved in {session.messages} messages."}]
            if session.status == "COMPLETED"
            else []
        ),
    )


def _agent_model(agent: _Agent) -> AgentSummary:
    last = agent.sessions[-1] if agent.sessions else None
    return AgentSummary(
        id=agent.id,
        name=agent.name,
        display_name=agent.name,
        description=agent.description,
        version=agent.versions[-1],
        type=agent.type,
        llm_model=agent.llm_model,
        tool_count=len(agent.tools),
        datasource_count=agent.datasource_count,
        last_execution_status=last.status if last else None,
        last_execution_time=_timestamp(last.start) if last else None,
    )


def _settle(event: _Settle) -> None:
    job = event.job
    job.status, job.score, job.explanation = event.status, event.score, event.explanation


def _page_limit(limit: int | None) -> int:
    return MAX_PAGE_SIZE if limit is None else min(limit, MAX_PAGE_SIZE)


class World:
    """The simulated tenant. Every public method is safe to call from any thread."""

    def __init__(self, spec: WorldSpec | None = None) -> None:
        self.spec = spec or WorldSpec()
        self._lock = threading.RLock()
        self._now = int(CLOCK_START.timestamp())
        self._agents: list[_Agent] = []
        self._agents_by_id: dict[str, _Agent] = {}
        self._agents_by_name: dict[str, _Agent] = {}
        self._sessions: dict[int, _Session] = {}
        self._jobs: dict[int, _Job] = {}
        self._all_jobs: list[_Job] = []
        self._pending_jobs = 0
        self._running_sessions = 0
        self._completed_drawn = 0
        self._queue: list[tuple[int, int, _Session | _Agent]] = []
        self._order = itertools.count()
        self._generate()

    # -- reading ---------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        with self._lock:
            return _timestamp(self._now)

    @property
    def agent_names(self) -> list[str]:
        with self._lock:
            return [agent.name for agent in self._agents]

    @property
    def agent_ids(self) -> list[str]:
        with self._lock:
            return [agent.id for agent in self._agents]

    def counts(self) -> WorldCounts:
        with self._lock:
            return WorldCounts(
                now=_timestamp(self._now),
                agents=len(self._agents),
                sessions=len(self._sessions),
                running_sessions=self._running_sessions,
                jobs=len(self._jobs),
                pending_jobs=self._pending_jobs,
            )

    def list_agents(self, offset: int = 0, limit: int | None = None) -> AgentListResponse:
        page_size = _page_limit(limit)
        with self._lock:
            page = self._agents[offset : offset + page_size]
            return AgentListResponse(
                data=[_agent_model(agent) for agent in page],
                total=len(self._agents),
                offset=offset,
                limit=page_size,
            )

    def list_sessions(
        self,
        agent_id: str,
        offset: int = 0,
        limit: int | None = None,
        sort_by: str = "start_time",
        sort_order: str = "desc",
        status: str | None = None,
    ) -> SessionListResponse:
        """One page of an agent's sessions; raises UnknownAgentError for an unknown id."""
        if sort_by not in SORT_FIELDS:
            raise ValueError(f"sort_by must be one of {SORT_FIELDS}, not {sort_by!r}")
        if sort_order not in ("asc", "desc"):
            raise ValueError(f"sort_order must be asc or desc, not {sort_order!r}")
        page_size = _page_limit(limit)
        with self._lock:
            agent = self._agents_by_id.get(agent_id)
            if agent is None:
                raise UnknownAgentError(agent_id)
            # agent.sessions is already in start order: the default listing is a slice.
            sessions = agent.sessions
            if status is not None:
                sessions = [s for s in sessions if s.status == status]
            if sort_by == "status":
                sessions = sorted(sessions, key=lambda s: (s.status, s.start, s.uid))
            if sort_order == "desc":
                stop = len(sessions) - offset
                page = sessions[max(0, stop - page_size) : max(0, stop)][::-1]
            else:
                page = sessions[offset : offset + page_size]
            return SessionListResponse(
                data=[_session_model(s) for s in page],
                total=len(sessions),
                offset=offset,
                limit=page_size,
            )

    def find_jobs(
        self, filters: Mapping[str, str | None] | None = None
    ) -> list[ScoringJobResponse]:
        """Jobs matching every given identity filter (AND); None values are no filter."""
        wanted = {k: v for k, v in (filters or {}).items() if v is not None}
        unknown = set(wanted) - set(JOB_FILTERS)
        if unknown:
            raise ValueError(f"unknown job filters: {sorted(unknown)}")
        with self._lock:
            candidates = self._candidates(wanted)
            checks = [(_FILTER_GETTERS[k], v) for k, v in wanted.items()]
            return [
                _job_model(job)
                for job in candidates
                if all(get(job) == value for get, value in checks)
            ]

    def get_job(self, job_id: str) -> ScoringJobResponse | None:
        uid = _parse_uuid(job_id)
        with self._lock:
            job = self._jobs.get(uid) if uid is not None else None
            return _job_model(job) if job else None

    def jobs_for(self, agent_name: str, session_id: str | None = None) -> list[ScoringJobResponse]:
        """The jobs a summary of this agent (and session) aggregates."""
        return self.find_jobs({"agent_name": agent_name, "agent_session_id": session_id})

    def _candidates(self, wanted: Mapping[str, str]) -> Iterable[_Job]:
        # The narrowest index that the filters allow; the rest is checked job by job.
        session_id = wanted.get("agent_session_id")
        if session_id is not None:
            uid = _parse_uuid(session_id)
            session = self._sessions.get(uid) if uid is not None else None
            return session.jobs if session else ()
        agent_name = wanted.get("agent_name")
        if agent_name is not None:
            agent = self._agents_by_name.get(agent_name)
            return agent.jobs if agent else ()
        return self._all_jobs

    # -- the clock -------------------------------------------------------------------------

    def advance(self, minutes: float) -> AdvanceReport:
        """Move the clock forward: sessions arrive and end, jobs appear and settle."""
        if minutes < 0 or not math.isfinite(minutes):
            raise ValueError(f"minutes must be a finite number >= 0, not {minutes}")
        with self._lock:
            target = self._now + round(minutes * _MINUTE)
            report = AdvanceReport(now=_timestamp(target))
            while self._queue and self._queue[0][0] <= target:
                at, _, item = heapq.heappop(self._queue)
                if isinstance(item, _Agent):
                    self._arrive(item, at, report)
                else:
                    self._apply(item, item.plan.pop(), report)
                    self._schedule(item)
            self._now = target
            return report

    def _arrive(self, agent: _Agent, at: int, report: AdvanceReport) -> None:
        rng = agent.rng
        version = agent.versions[-1]
        if len(agent.versions) > 1 and rng.random() < 0.15:
            version = agent.versions[-2]
        session = self._plan(rng, agent, at, version, _Shape())
        report.sessions_started += 1
        self._schedule(session)
        gap = max(30, round(rng.expovariate(1 / _MEAN_SESSION_GAP)))
        heapq.heappush(self._queue, (at + gap, next(self._order), agent))

    def _schedule(self, session: _Session) -> None:
        if session.plan:
            heapq.heappush(self._queue, (session.plan[-1].at, next(self._order), session))

    def _apply(self, session: _Session, event: _Event, report: AdvanceReport) -> None:
        if isinstance(event, _Appear):
            session.messages += event.messages
            for job in event.jobs:
                self._add_job(job)
            report.jobs_appeared += len(event.jobs)
        elif isinstance(event, _Settle):
            was_final = event.job.status in FINAL_JOB_STATUSES
            _settle(event)
            if event.status in FINAL_JOB_STATUSES and not was_final:
                self._pending_jobs -= 1
                report.jobs_settled += 1
        else:
            self._end(session, event)
            report.sessions_ended += 1

    def _add_job(self, job: _Job) -> None:
        self._jobs[job.uid] = job
        self._all_jobs.append(job)
        job.session.jobs.append(job)
        job.session.agent.jobs.append(job)
        if job.status not in FINAL_JOB_STATUSES:
            self._pending_jobs += 1

    # -- generation ------------------------------------------------------------------------

    def _generate(self) -> None:
        rng = random.Random(self.spec.seed)
        customer_id = f"cus_{rng.getrandbits(48):012x}"
        projects = tuple(f"prj_{rng.getrandbits(48):012x}" for _ in range(2))
        deferred: list[tuple[int, int, _Appear]] = []
        for index in range(self.spec.agents):
            agent = self._new_agent(rng, index, customer_id, projects)
            for start, version, shape in self._history(rng, agent):
                session = self._plan(rng, agent, start, version, shape)
                self._replay_history(session, deferred)
        # Jobs enter the indexes in the order they appeared, across sessions and agents.
        deferred.sort(key=lambda item: (item[0], item[1]))
        for _, _, appear in deferred:
            for job in appear.jobs:
                self._add_job(job)
        for agent in self._agents:
            first = self._now + agent.rng.randint(1 * _MINUTE, 8 * _MINUTE)
            heapq.heappush(self._queue, (first, next(self._order), agent))

    def _new_agent(
        self, rng: random.Random, index: int, customer_id: str, projects: tuple[str, ...]
    ) -> _Agent:
        base = AGENT_NAMES[index % len(AGENT_NAMES)]
        cycle = index // len(AGENT_NAMES)
        name = base if cycle == 0 else f"{base} ({cycle + 1})"
        while True:
            agent_id = f"agt_{rng.getrandbits(48):012x}"
            if agent_id not in self._agents_by_id:
                break
        major = rng.randint(1, 3)
        versions = tuple(f"{major}.{minor}.0" for minor in range(rng.randint(2, 4)))
        agent = _Agent(
            index=index,
            id=agent_id,
            name=name,
            description=None if index % 3 == 2 else f"Simulated agent {name!r}.",
            versions=versions,
            type="draft" if index % 4 == 3 else "published",
            llm_model=rng.choice(_LLM_MODELS),
            tools=tuple(rng.sample(_TOOLS, rng.randint(1, 4))),
            datasource_count=rng.randint(0, 3),
            customer_id=customer_id,
            project_id=projects[index % len(projects)],
            workflows=tuple(
                (wf, f"v{rng.randint(1, 3)}") for wf in rng.sample(_WORKFLOWS, rng.randint(1, 2))
            ),
            rng=random.Random(rng.getrandbits(64)),
        )
        self._agents.append(agent)
        self._agents_by_id[agent.id] = agent
        self._agents_by_name[agent.name] = agent
        return agent

    def _history(self, rng: random.Random, agent: _Agent) -> list[tuple[int, str, _Shape]]:
        """Start, version and shape of each past session, oldest first."""
        count = self.spec.sessions_per_agent
        now = self._now
        starts: list[int] = []
        start = now - rng.randint(1 * _MINUTE, 5 * _MINUTE)
        for k in range(count):
            if k > 0:
                start -= max(30, round(rng.expovariate(1 / _MEAN_SESSION_GAP)))
            if k == 1:
                start = min(start, now - 15 * _MINUTE)
            starts.append(start)
        ended = ENDED_SESSION_STATUSES
        offset = agent.index
        shapes = {
            0: _Shape(running=True, min_jobs=2),
            1: _Shape(
                ends_before=now - rng.randint(30, 3 * _MINUTE),
                straggler=True,
                min_jobs=1,
                end_status=ended[offset % 4],
            ),
            2: _Shape(jobs=0, end_status=ended[(offset + 1) % 4]),
            3: _Shape(end_status=ended[(offset + 2) % 4]),
            4: _Shape(end_status=ended[(offset + 3) % 4]),
        }
        history: list[tuple[int, str, _Shape]] = []
        versions = agent.versions
        for k in reversed(range(count)):
            # Older sessions ran older versions, with some overlap between neighbours.
            v = len(versions) - 1 - (k * len(versions)) // max(1, count)
            if v > 0 and rng.random() < 0.1:
                v -= 1
            history.append((starts[k], versions[v], shapes.get(k, _Shape())))
        return history

    def _replay_history(self, session: _Session, deferred: list[tuple[int, int, _Appear]]) -> None:
        while session.plan and session.plan[-1].at <= self._now:
            event = session.plan.pop()
            if isinstance(event, _Appear):
                session.messages += event.messages
                deferred.append((event.at, next(self._order), event))
            elif isinstance(event, _End):
                self._end(session, event)
            else:
                # Not yet indexed, so the pending count must not move here.
                _settle(event)
        self._schedule(session)

    def _end(self, session: _Session, event: _End) -> None:
        session.status, session.end, session.tokens = event.status, event.at, event.tokens
        self._running_sessions -= 1

    def _job_count(self, rng: random.Random) -> int:
        mean = self.spec.jobs_per_session
        if mean <= 0 or rng.random() < _EMPTY_SESSION_RATE:
            return 0
        spread = mean / (1 - _EMPTY_SESSION_RATE)
        return rng.randint(1, max(1, round(2 * spread - 1)))

    def _plan(
        self, rng: random.Random, agent: _Agent, start: int, version: str, shape: _Shape
    ) -> _Session:
        """Create a session and plan its whole life; nothing of it is visible yet."""
        workflow = None
        if rng.random() < _WORKFLOW_RATE:
            wf_name, wf_version = rng.choice(agent.workflows)
            workflow = _Workflow(wf_name, wf_version, f"wfs_{rng.getrandbits(64):016x}")
        batch = None
        if rng.random() < _BATCH_RATE:
            batch = (f"bdef_{agent.id[4:]}", f"bexe_{rng.getrandbits(48):012x}")
        uid = _new_uid(rng)
        session = _Session(uid, _uuid(uid), agent, start, version, workflow, batch)
        self._sessions[session.uid] = session
        self._running_sessions += 1
        agent.sessions.append(session)

        n_jobs = shape.jobs if shape.jobs is not None else self._job_count(rng)
        n_jobs = max(n_jobs, shape.min_jobs)
        modules = rng.sample(MODULES, rng.randint(1, min(len(MODULES), max(1, n_jobs))))
        n_turns = max(1, math.ceil(n_jobs / len(modules))) if n_jobs else rng.randint(1, 3)

        # Turn times as offsets from the start; the session ends a little after the last.
        offsets = list(itertools.accumulate(_between(rng, 20, 6 * _MINUTE) for _ in range(n_turns)))
        end = start + offsets[-1] + rng.randint(30, 5 * _MINUTE)
        if rng.random() < 0.15:
            end += rng.randint(30 * _MINUTE, 3 * _HOUR)
        if shape.ends_before is not None:
            scale = (shape.ends_before - start) * 0.9 / (end - start)
            offsets = [max(1, round(o * scale)) for o in offsets]
            end = shape.ends_before
        if shape.running:
            # A running session whose first turn is already scored: pending jobs to see.
            offsets[0] = max(1, min(offsets[0], (self._now - start) // 2))
            if end <= self._now:
                end = self._now + rng.randint(10 * _MINUTE, 60 * _MINUTE)

        turn_jobs: list[list[_Job]] = [[] for _ in range(n_turns)]
        sessionless: list[_Job] = []
        for i in range(n_jobs):
            turn: int | None = i // len(modules) + 1
            if i > 0 and rng.random() < _NULL_TURN_RATE:
                turn = None
            tool = int(rng.random() * len(agent.tools)) if rng.random() < _TOOL_RATE else -1
            job = _Job(_new_uid(rng), session, turn, modules[i % len(modules)], tool)
            (turn_jobs[turn - 1] if turn is not None else sessionless).append(job)

        events: list[_Event] = []
        for offset, jobs in zip(offsets, turn_jobs, strict=True):
            events.append(_Appear(start + offset, tuple(jobs), messages=2))
        if sessionless:
            events.append(_Appear(end, tuple(sessionless), messages=0))
        straggler = shape.straggler and n_jobs > 0
        for jobs, appear_at in [
            *((jobs, start + offset) for offset, jobs in zip(offsets, turn_jobs, strict=True)),
            (sessionless, end),
        ]:
            for job in jobs:
                late = straggler and job is (turn_jobs[0][0])
                events.extend(self._job_life(rng, job, appear_at, late))
        status = shape.end_status or rng.choices(ENDED_SESSION_STATUSES, (75, 10, 8, 7))[0]
        tokens = (rng.randint(200, 4000) * n_turns, rng.randint(100, 2000) * n_turns)
        events.append(_End(end, status, tokens))
        # Stable sort: a job appears before it settles, session-level jobs before the end.
        events.sort(key=lambda event: event.at)
        events.reverse()
        session.plan = events
        return session

    def _job_life(self, rng: random.Random, job: _Job, appear_at: int, late: bool) -> list[_Event]:
        roll = rng.random()
        picked = rng.random()
        if roll < 0.08 and not late:
            explanation = _NOT_RUN[int(picked * len(_NOT_RUN))] if picked < 0.5 else None
            settled = appear_at + _between(rng, 5, 2 * _MINUTE)
            return [_Settle(settled, job, "not_run", None, explanation)]
        started = appear_at + _between(rng, 5, 3 * _MINUTE)
        duration = _between(rng, 30, 15 * _MINUTE)
        if rng.random() < 0.1:
            duration += _between(rng, 1 * _HOUR, 6 * _HOUR)
        if late:
            # Still pending now, although its session has ended.
            duration = max(duration, self._now - started + rng.randint(20 * _MINUTE, 3 * _HOUR))
        if roll < 0.16:
            status, score = "failed", None
            explanation = _FAILURES[int(picked * len(_FAILURES))] if picked < 0.6 else None
        else:
            status, score = "completed", self._score(rng, job.module)
            explanation = _EXPLANATIONS[int(picked * len(_EXPLANATIONS))] if picked < 0.8 else None
        return [
            _Settle(started, job, "in_progress", None, None),
            _Settle(started + duration, job, status, score, explanation),
        ]

    def _score(self, rng: random.Random, module: str) -> float | int | None:
        self._completed_drawn += 1
        # A few completed jobs carry no score, as the real API sometimes returns.
        if self._completed_drawn % _NULL_SCORE_EVERY == 3:
            return None
        if module in JUDGE_MODULES:
            return max(0, min(10, round(rng.gauss(7.2, 2.0))))
        return round(rng.betavariate(4, 1.6), 4)
