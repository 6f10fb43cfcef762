"""What one agent's sync reads: how far back its sessions, and how its jobs are asked for."""

from __future__ import annotations

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


def jobs_agent_wide(touched: int, known_sessions: int, max_sessions_per_request: int) -> bool:
    """One request for the whole agent, unless that answer could grow past the bound.

    A whole agent costs one request however many sessions changed; session by session costs
    one each. Requests are what the API rations, so the agent-wide read wins whenever its
    response stays bounded (the agent holds at most `max_sessions_per_request` sessions).
    """
    return touched > 1 and known_sessions <= max_sessions_per_request
