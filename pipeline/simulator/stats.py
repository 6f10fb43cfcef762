"""Request counting for the simulator's /v2 endpoints, so a test can assert what a client spent.

Each request is counted by route template and by outcome: the status code as a string, or
"drop", "reset" or "timeout" for a response that never arrived whole. A 429 sent by the rate
limiter is also counted apart from an injected one, so that "no 429 of the client's own
making" is a plain assertion.
"""

from __future__ import annotations

import threading
from collections import Counter

from pydantic import BaseModel


class StatsSnapshot(BaseModel):
    """Request counts; an outcome is the status code as a string, "drop", "reset" or "timeout"."""

    total: int = 0
    by_endpoint: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_endpoint_status: dict[str, dict[str, int]] = {}
    faults: dict[str, int] = {}
    # 429s the rate limiter sent (injected 429s are under `faults` instead).
    rate_limited: int = 0
    # Records served corrupted by the bad-records fault (each time one is served).
    corrupted_records: int = 0


class RequestStats:
    """Counts /v2 requests by route template (e.g. `/v2/agents/{agent_id}/sessions`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._faults: Counter[str] = Counter()
        self._rate_limited: Counter[str] = Counter()
        self._corrupted = 0

    def record(
        self, endpoint: str, outcome: str, fault: str | None = None, *, rate_limited: bool = False
    ) -> None:
        with self._lock:
            self._counts[endpoint, outcome] += 1
            if fault:
                self._faults[fault] += 1
            if rate_limited:
                self._rate_limited[endpoint] += 1

    def record_corrupted(self, records: int) -> None:
        with self._lock:
            self._corrupted += records

    def count(self, endpoint: str | None = None, status: int | str | None = None) -> int:
        """Requests to `endpoint` (a route template) with outcome `status`; None is any."""
        wanted = None if status is None else str(status)
        with self._lock:
            return sum(
                n
                for (e, o), n in self._counts.items()
                if (endpoint is None or e == endpoint) and (wanted is None or o == wanted)
            )

    def rate_limited(self, endpoint: str | None = None) -> int:
        """429s the rate limiter sent (to `endpoint`, or to any), injected ones not included."""
        with self._lock:
            if endpoint is None:
                return sum(self._rate_limited.values())
            return self._rate_limited[endpoint]

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            by_endpoint: Counter[str] = Counter()
            by_status: Counter[str] = Counter()
            nested: dict[str, dict[str, int]] = {}
            for (endpoint, outcome), n in sorted(self._counts.items()):
                by_endpoint[endpoint] += n
                by_status[outcome] += n
                nested.setdefault(endpoint, {})[outcome] = n
            return StatsSnapshot(
                total=sum(by_endpoint.values()),
                by_endpoint=dict(by_endpoint),
                by_status=dict(by_status),
                by_endpoint_status=nested,
                faults=dict(self._faults),
                rate_limited=sum(self._rate_limited.values()),
                corrupted_records=self._corrupted,
            )

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults.clear()
            self._rate_limited.clear()
            self._corrupted = 0
