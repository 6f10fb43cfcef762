"""The floor: the fewest requests the API allows for a scenario, and the least time they take.

Requests (page size 100, the API's cap):

- full sync: `ceil(agents/100)` agent pages + per agent `ceil(sessions/100)` session pages
  (at least one) + one jobs request (the jobs endpoint filters by `agent_name` alone and is not
  paged) + one agent summary.
- incremental sync: the agent pages + per agent the session pages down to the oldest session
  whose listing row can have changed (a new one, or one that was RUNNING: only the listing says
  when it ends), at least one + one jobs request per agent with a new or unsettled session +
  one agent summary per agent.

Session summaries are a sample chosen by the user, so they are counted apart, not in the floor.

Time: requests go in dependency rounds, `agents page 1 -> other agent pages -> first session
page of each agent -> other session pages -> jobs and agent summaries` (jobs are read after
the sessions so that every listed session's jobs are in the answer), each round taking
`latency * ceil(requests_in_round / concurrency)`; empty rounds take nothing:

    floor_s = latency * sum(ceil(r_i / concurrency) for each round i)

Under a rate limit of `amount` requests per `window` seconds (a moving window, starting empty),
request k (1-based) cannot be admitted before `((k - 1) // amount) * window`, so N requests need
at least `max(((N - 1) // amount) * window + latency, floor_s)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
from limits import parse

from pipeline.simulator.world import ENDED_SESSION_STATUSES, FINAL_JOB_STATUSES

PAGE: Final = 100


@dataclass(frozen=True)
class AgentState:
    """One agent as the API shows it: sessions newest first, and which are unsettled."""

    agent_id: str
    name: str
    # (session_id, status), newest first, as the listing gives them.
    sessions: list[tuple[str, str]]
    unsettled: frozenset[str]


@dataclass(frozen=True)
class Floor:
    requests: int
    seconds: float
    rounds: list[int] = field(default_factory=list)


def snapshot(base_url: str, api_key: str) -> list[AgentState]:
    """Read the whole world through the API (uncounted by the caller: reset stats after)."""
    agents: list[AgentState] = []
    with httpx.Client(base_url=base_url, headers={"Meibel-API-Key": api_key}, timeout=600) as http:
        for agent in _pages(http, "/agents"):
            path = f"/agents/{agent['id']}/sessions"
            sessions = [(s["session_id"], s["status"]) for s in _pages(http, path)]
            jobs = http.get("/confidence-scoring/jobs", params={"agent_name": agent["name"]})
            pending = {
                j["agent_identity_context"]["agent_session_id"]
                for j in jobs.raise_for_status().json()
                if j["status"] not in FINAL_JOB_STATUSES
            }
            unsettled = {sid for sid, status in sessions if status not in ENDED_SESSION_STATUSES}
            agents.append(
                AgentState(agent["id"], agent["name"], sessions, frozenset(unsettled | pending))
            )
    return agents


def _pages(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while True:
        body = http.get(path, params={"offset": len(records), "limit": PAGE}).raise_for_status()
        page = body.json()
        records.extend(page["data"])
        if not page["data"] or len(records) >= page["total"]:
            return records


def pages_for(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def _seconds(rounds: list[int], latency: float, concurrency: int) -> float:
    return latency * sum(math.ceil(r / concurrency) for r in rounds if r)


def full(agents: int, sessions_per_agent: list[int], latency: float, concurrency: int) -> Floor:
    """A first (or full) sync."""
    agent_pages = pages_for(agents)
    rounds = [
        1,
        agent_pages - 1,
        agents,
        sum(pages_for(n) - 1 for n in sessions_per_agent),
        2 * agents,
    ]
    return Floor(sum(rounds), _seconds(rounds, latency, concurrency), rounds)


@dataclass(frozen=True)
class Incremental:
    floor: Floor
    new_sessions: int
    # Sessions an incremental sync must read jobs for: new, or unsettled at the last sync.
    sessions_to_reread: int
    session_pages: int


def incremental(
    before: list[AgentState], after: list[AgentState], latency: float, concurrency: int
) -> Incremental:
    """A sync after one that saw `before`, now that the API shows `after`."""
    known = {a.agent_id: a for a in before}
    pages: list[int] = []
    agents_with_jobs = new_total = reread = 0
    for agent in after:
        old = known.get(agent.agent_id)
        old_ids = {sid for sid, _ in old.sessions} if old else set()
        was_running = (
            {sid for sid, status in old.sessions if status not in ENDED_SESSION_STATUSES}
            if old
            else set()
        )
        new = {sid for sid, _ in agent.sessions if sid not in old_ids}
        to_reread = new | (old.unsettled if old else frozenset())
        positions = [i for i, (sid, _) in enumerate(agent.sessions) if sid in new | was_running]
        # Down to the oldest row that can have changed, plus one known row to see the edge.
        pages.append(pages_for(max(positions, default=-1) + 2))
        agents_with_jobs += bool(to_reread)
        new_total += len(new)
        reread += len(to_reread)
    agent_pages = pages_for(len(after))
    rounds = [
        1,
        agent_pages - 1,
        len(after),
        sum(pages) - len(after),
        agents_with_jobs + len(after),
    ]
    floor = Floor(sum(rounds), _seconds(rounds, latency, concurrency), rounds)
    return Incremental(floor, new_total, reread, sum(pages))


def rate_limited_seconds(requests: int, limit: str, unlimited: Floor, latency: float) -> float:
    """The least time `requests` requests take under `limit` (see the module's docstring)."""
    item = parse(limit)
    window_s = ((requests - 1) // item.amount) * item.get_expiry() if requests else 0
    return max(window_s + latency, unlimited.seconds)
