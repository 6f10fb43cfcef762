"""What one agent's sync reads: how far back its sessions, and how its jobs are asked for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.warehouse.duckdb_warehouse import AgentPosition, SyncMode


@dataclass(frozen=True)
class SessionsPlan:
    mode: SyncMode
    # Page the newest-first listing until sessions start before this; None reads every page.
    back_to: datetime | None


def sessions_plan(
    position: AgentPosition | None, full_refresh: bool, lookback: timedelta
) -> SessionsPlan:
    """Full for a refresh or an agent never committed; otherwise back to what we already hold.

    The lookback covers sessions that reach the listing late with an older start time; the
    oldest session we hold as RUNNING bounds the read too, since only the listing tells when
    it ends.
    """
    if full_refresh or position is None or position.newest_start_time is None:
        return SessionsPlan("full", None)
    back_to = position.newest_start_time - lookback
    if position.oldest_running_start is not None:
        back_to = min(back_to, position.oldest_running_start)
    return SessionsPlan("incremental", back_to)


@dataclass(frozen=True)
class JobsPlan:
    """The jobs requests of one agent's sync: each a filter of the (unpaged) jobs endpoint."""

    requests: list[dict[str, str]]
    # One request reads every job of the agent (so a full refresh may judge any missing).
    agent_wide: bool
    # How many of the agent's sessions each request's answer covers: what its answer weighs.
    reach: list[int]


def jobs_plan(
    agent_name: str,
    touched: Collection[str],
    versions: Mapping[str, str | None],
    max_sessions_per_request: int,
) -> JobsPlan:
    """The fewest requests that read the jobs of every touched session, each answer bounded.

    Requests are what the API rations, so the widest filter wins whenever its answer stays
    bounded: the whole agent if it holds at most `max_sessions_per_request` sessions; else one
    request per agent version that is that small and has more than one touched session; else
    one per session. `versions` maps every session of the agent (held or just listed) to the
    agent version it ran.
    """
    if len(touched) > 1 and len(versions) <= max_sessions_per_request:
        return JobsPlan([{"agent_name": agent_name}], agent_wide=True, reach=[len(versions)])
    sessions_per_version = Counter(versions.values())
    touched_per_version = Counter(versions.get(sid) for sid in touched)
    by_version = sorted(
        version
        for version, count in touched_per_version.items()
        if version is not None
        and count > 1
        and sessions_per_version[version] <= max_sessions_per_request
    )
    requests = [{"agent_name": agent_name, "agent_version": v} for v in by_version]
    reach = [sessions_per_version[v] for v in by_version]
    alone = [sid for sid in sorted(touched) if versions.get(sid) not in by_version]
    requests += [{"agent_name": agent_name, "agent_session_id": sid} for sid in alone]
    reach += [1] * len(alone)
    return JobsPlan(requests, agent_wide=False, reach=reach)
