"""Latency, injected faults and request counting for the simulator's /v2 endpoints.

A fault is decided before the request reaches the API: first from the script ("the next N
requests fail with kind K"), which tests use to stage exact failures, then from the seeded
random rates, which soak tests use. Each request is counted by route template and by outcome,
so that a test can assert how many requests a client spent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FaultKind = Literal["429", "503", "drop"]
FAULT_KINDS: Final[tuple[FaultKind, ...]] = ("429", "503", "drop")
API_PREFIX: Final = "/v2"
DROPPED: Final = "drop"

# What a dropped response promises and what it delivers before the connection goes.
_DROP_DECLARED_LENGTH: Final = 4096
_DROP_PARTIAL_BODY: Final = b'{"data": [{"job_id": "'
_INCOMPLETE_MESSAGE: Final = "ASGI callable returned without completing response."


class FaultSettings(BaseModel):
    """The random knobs; rates are probabilities per /v2 request, drawn from a seeded RNG."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: float = Field(default=0.0, ge=0, description="Seconds added to every /v2 request.")
    rate_429: float = Field(default=0.0, ge=0, le=1)
    rate_503: float = Field(default=0.0, ge=0, le=1)
    rate_drop: float = Field(default=0.0, ge=0, le=1)
    retry_after: int = Field(default=1, ge=0, description="Retry-After seconds on a 429.")

    @model_validator(mode="after")
    def _rates_fit(self) -> FaultSettings:
        if self.rate_429 + self.rate_503 + self.rate_drop > 1:
            raise ValueError("the fault rates must add up to at most 1")
        return self


class ScriptedFault(BaseModel):
    """The next `count` requests whose path starts with `path_prefix` fail with `kind`.

    The prefix is read relative to the API base (`/confidence-scoring/jobs`), decoded; a
    leading `/v2` is accepted too. No prefix matches every /v2 request.
    """

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    count: int = Field(default=1, ge=1)
    path_prefix: str | None = None


class FaultInjector:
    """Decides, per /v2 request, whether and how it fails. Safe to use from any thread."""

    def __init__(self, settings: FaultSettings | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._settings = settings or FaultSettings()
        self._rng = random.Random(seed)
        self._script: list[ScriptedFault] = []

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def configure(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the settings, or change some of them: `configure(rate_503=0.2)`."""
        with self._lock:
            base = settings or self._settings
            self._settings = FaultSettings.model_validate({**base.model_dump(), **changes})
            return self._settings

    def script(self, kind: FaultKind, count: int = 1, path_prefix: str | None = None) -> None:
        """Make the next `count` matching requests fail with `kind`, before any random fault."""
        entry = ScriptedFault(kind=kind, count=count, path_prefix=path_prefix)
        with self._lock:
            self._script.append(entry)

    def scripted(self) -> list[ScriptedFault]:
        """The scripted faults not yet spent."""
        with self._lock:
            return [entry.model_copy() for entry in self._script]

    def clear(self) -> None:
        """No more faults: the script is emptied and every rate and the latency set to zero."""
        with self._lock:
            self._script.clear()
            self._settings = FaultSettings(retry_after=self._settings.retry_after)

    def draw(self, path: str) -> FaultKind | None:
        """The fault for a request to `path` (relative to the API base, decoded), if any."""
        with self._lock:
            for entry in self._script:
                if _prefix_matches(entry.path_prefix, path):
                    entry.count -= 1
                    if entry.count == 0:
                        self._script.remove(entry)
                    return entry.kind
            s = self._settings
            if not (s.rate_429 or s.rate_503 or s.rate_drop):
                return None
            rates: tuple[tuple[FaultKind, float], ...] = (
                ("429", s.rate_429),
                ("503", s.rate_503),
                ("drop", s.rate_drop),
            )
            roll = self._rng.random()
            for kind, rate in rates:
                if roll < rate:
                    return kind
                roll -= rate
            return None


def _prefix_matches(prefix: str | None, path: str) -> bool:
    if prefix is None:
        return True
    if prefix == API_PREFIX or prefix.startswith(API_PREFIX + "/"):
        prefix = prefix[len(API_PREFIX) :]
    return path.startswith(prefix)


class StatsSnapshot(BaseModel):
    """Request counts; an outcome is the status code as a string, or "drop"."""

    total: int = 0
    by_endpoint: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_endpoint_status: dict[str, dict[str, int]] = {}
    faults: dict[str, int] = {}


class RequestStats:
    """Counts /v2 requests by route template (e.g. `/v2/agents/{agent_id}/sessions`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._faults: Counter[str] = Counter()

    def record(self, endpoint: str, outcome: str, fault: FaultKind | None = None) -> None:
        with self._lock:
            self._counts[endpoint, outcome] += 1
            if fault:
                self._faults[fault] += 1

    def count(self, endpoint: str | None = None, status: int | str | None = None) -> int:
        """Requests to `endpoint` (a route template) with outcome `status`; None is any."""
        wanted = None if status is None else str(status)
        with self._lock:
            return sum(
                n
                for (e, o), n in self._counts.items()
                if (endpoint is None or e == endpoint) and (wanted is None or o == wanted)
            )

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
            )

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults.clear()


class _DropNoticeFilter(logging.Filter):
    """uvicorn logs an error for each dropped response; here that drop is the point."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _INCOMPLETE_MESSAGE


_DROP_NOTICE_FILTER: Final = _DropNoticeFilter()


def quiet_dropped_responses() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _DROP_NOTICE_FILTER not in logger.filters:
        logger.addFilter(_DROP_NOTICE_FILTER)


class FaultMiddleware:
    """ASGI middleware: latency, faults and counting for every request under /v2.

    `endpoint_of(scope)` names the route template a request maps to; it is asked before the
    request runs, so that refused requests are counted under the endpoint they aimed at.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultInjector,
        stats: RequestStats,
        endpoint_of: Callable[[Scope], str],
        decoded_path_of: Callable[[Scope], str],
    ) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.endpoint_of = endpoint_of
        self.decoded_path_of = decoded_path_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self.decoded_path_of(scope) if scope["type"] == "http" else ""
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        endpoint = self.endpoint_of(scope)
        settings = self.faults.settings
        if settings.latency > 0:
            await asyncio.sleep(settings.latency)
        fault = self.faults.draw(path[len(API_PREFIX) :])
        if fault == "drop":
            await _send_dropped(send)
            self.stats.record(endpoint, DROPPED, fault)
        elif fault is not None:
            await _send_refusal(send, int(fault), settings.retry_after)
            self.stats.record(endpoint, fault, fault)
        else:
            await self._forward(scope, receive, send, endpoint)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, endpoint: str) -> None:
        status = 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            self.stats.record(endpoint, str(status))


async def _send_refusal(send: Send, status: int, retry_after: int) -> None:
    detail = "Too Many Requests" if status == 429 else "Service Unavailable"
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 429:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_dropped(send: Send) -> None:
    # Headers promise a body that never fully arrives; returning with more_body still set makes
    # the server close the connection, which the client sees as an incomplete read.
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(_DROP_DECLARED_LENGTH).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _DROP_PARTIAL_BODY, "more_body": True})
