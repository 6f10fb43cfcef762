"""ASGI middleware putting the rate limit, latency, faults and counting in front of /v2.

Per request, in order: the rate limiter counts it (and may refuse it with a 429), latency is
added, a fault is drawn, and the answer is sent — whole, or as the fault wants it. Admin
endpoints and anything else outside /v2 pass straight through, never limited or counted.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Final

from pipeline.simulator import bodies, delivery
from pipeline.simulator.asgi import ASGIApp, Header, Message, Receive, Scope, Send
from pipeline.simulator.connections import ConnectionResetter
from pipeline.simulator.corruption import LISTINGS, Listing, corrupt_bad_records
from pipeline.simulator.delivery import Answer
from pipeline.simulator.faults import (
    API_PREFIX,
    STATUS_KINDS,
    FaultInjector,
    FaultKind,
    FaultSettings,
)
from pipeline.simulator.ratelimit import RateLimiter
from pipeline.simulator.stats import RequestStats

API_KEY_HEADER: Final = b"meibel-api-key"
_INCOMPLETE_MESSAGE: Final = "ASGI callable returned without completing response."


class _CutResponseNoticeFilter(logging.Filter):
    """uvicorn logs an error for each response cut short; here that cut is the point."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _INCOMPLETE_MESSAGE


_CUT_NOTICE_FILTER: Final = _CutResponseNoticeFilter()


def quiet_dropped_responses() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _CUT_NOTICE_FILTER not in logger.filters:
        logger.addFilter(_CUT_NOTICE_FILTER)


class FaultMiddleware:
    """Rate limit, latency, faults and counting for every request under /v2.

    `endpoint_of(scope)` names the route template a request maps to; it is asked before the
    request runs, so that refused requests are counted under the endpoint they aimed at.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultInjector,
        stats: RequestStats,
        limiter: RateLimiter,
        resetter: ConnectionResetter,
        endpoint_of: Callable[[Scope], str],
        decoded_path_of: Callable[[Scope], str],
    ) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.limiter = limiter
        self.resetter = resetter
        self.endpoint_of = endpoint_of
        self.decoded_path_of = decoded_path_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self.decoded_path_of(scope) if scope["type"] == "http" else ""
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        endpoint = self.endpoint_of(scope)
        quota = self.limiter.hit(_api_key(scope))
        limit_headers = quota.headers() if quota else []
        if quota is not None and not quota.allowed:
            retry_after = (b"retry-after", str(quota.retry_after).encode())
            body = bodies.error_body(429, "error", "Rate limit exceeded.")
            await delivery.send_refusal(send, 429, body, [*limit_headers, retry_after])
            self.stats.record(endpoint, "429", rate_limited=True)
            return

        settings = self.faults.settings
        if settings.latency > 0:
            await asyncio.sleep(settings.latency)
        fault = self.faults.draw(path[len(API_PREFIX) :])
        if fault in STATUS_KINDS or fault == "error-shapes":
            status = await self._refuse(send, fault, settings, limit_headers)
            self.stats.record(endpoint, str(status), fault)
            return
        if fault == "timeout":
            hung_up, receive = await delivery.hold(receive, settings.hang_s)
            if hung_up:
                self.stats.record(endpoint, "timeout", fault)
                return

        listing = LISTINGS.get(endpoint)
        corrupting = listing is not None and settings.bad_record_rate > 0
        if (fault is None or fault == "timeout") and not corrupting:
            await self._forward(scope, receive, send, endpoint, limit_headers, fault)
            return
        answer = await delivery.capture(self.app, scope, receive)
        answer.headers.extend(limit_headers)
        outcome = await self._deliver(scope, send, self._rewrite(answer, listing, fault), fault)
        self.stats.record(endpoint, outcome, fault)

    async def _refuse(
        self, send: Send, fault: FaultKind, settings: FaultSettings, headers: list[Header]
    ) -> int:
        if fault == "error-shapes":
            status, shape = self.faults.error_shape()
        else:
            status, shape = int(fault), "detail"
        if status == 429:
            headers = [*headers, (b"retry-after", str(settings.retry_after).encode())]
        await delivery.send_refusal(send, status, bodies.error_body(status, shape), headers)
        return status

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        endpoint: str,
        headers: list[Header],
        fault: FaultKind | None,
    ) -> None:
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.stats.record(endpoint, str(status), fault)

    def _rewrite(self, answer: Answer, listing: Listing | None, fault: FaultKind | None) -> Answer:
        """A 200 JSON answer with its bad records corrupted and the fault's changes made."""
        if answer.status != 200 or not answer.content_type.startswith(b"application/json"):
            return answer
        rng = self.faults.rng()
        if fault == "truncated-json":
            return answer.with_body(bodies.truncated(answer.body, rng))
        if fault == "invalid-json":
            return answer.with_body(*bodies.invalid(answer.body, rng))
        body = json.loads(answer.body)
        changed = False
        if listing is not None and self.faults.settings.bad_record_rate > 0:
            corrupted = corrupt_bad_records(
                body, listing, self.faults.seed, self.faults.is_bad_record
            )
            self.stats.record_corrupted(corrupted)
            changed = corrupted > 0
        if fault == "extra-fields":
            bodies.add_extra_fields(body, listing, rng)
        elif fault == "duplicates" and listing is not None:
            bodies.duplicate_a_record(body, listing, rng)
        elif fault == "mixed-timestamps":
            bodies.mix_timestamps(body, rng)
        elif not changed:
            return answer
        return answer.with_body(bodies.encode(body))

    async def _deliver(
        self, scope: Scope, send: Send, answer: Answer, fault: FaultKind | None
    ) -> str:
        """Send the answer as the fault wants it; returns the outcome to count."""
        if fault == "trickle":
            await delivery.send_trickle(send, answer, self.faults.settings.trickle_s)
        elif fault == "drop":
            await delivery.send_cut(send, answer)
            return "drop"
        elif fault == "reset":
            await delivery.send_reset(send, answer, scope, self.resetter)
            return "reset"
        else:
            await delivery.send_whole(send, answer)
        return str(answer.status)


def _api_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == API_KEY_HEADER:
            return bytes(value).decode("latin-1")
    return None
