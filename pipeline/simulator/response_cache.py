"""A benchmark hook: replay encoded /v2 answers, and time what the simulator itself spends.

Building a million jobs' JSON costs the simulator far more than a client spends reading it,
so a benchmark of a client's ingest rate warms this cache with one untimed pass and then
measures the client against answers that are only looked up and sent. Off by default; a
world that moves (`advance`) clears it, since its answers change.

Every /v2 answer that passes through carries `Server-Timing: app;dur=<ms>`: the time from the
request reaching this middleware to its answer being ready (a cache lookup, or routing and
encoding), which excludes the injected latency and the rate limiter that sit in front of it.
"""

from __future__ import annotations

import threading
import time
from typing import Final

from pydantic import BaseModel

from pipeline.simulator.asgi import ASGIApp, Message, Receive, Scope, Send
from pipeline.simulator.delivery import Answer, capture, send_whole
from pipeline.simulator.faults import API_PREFIX

_API_KEY_HEADER: Final = b"meibel-api-key"
_PREFIX: Final = API_PREFIX.encode()


class ResponseCacheStats(BaseModel):
    """What the cache holds and has served, and the simulator's own time on /v2 answers."""

    enabled: bool
    entries: int = 0
    bytes: int = 0
    hits: int = 0
    misses: int = 0
    # Summed over every /v2 answer since the last reset, concurrent ones added up.
    server_time_s: float = 0.0
    timed_requests: int = 0


class ResponseCache:
    """Encoded 200 answers keyed by path, query and API key. Thread-safe."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._answers: dict[tuple[bytes, bytes, bytes], Answer] = {}
        self._hits = 0
        self._misses = 0
        self._server_time = 0.0
        self._timed = 0

    def get(self, key: tuple[bytes, bytes, bytes]) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self._misses += 1
            else:
                self._hits += 1
            return answer

    def put(self, key: tuple[bytes, bytes, bytes], answer: Answer) -> None:
        with self._lock:
            self._answers[key] = answer

    def timed(self, seconds: float) -> None:
        with self._lock:
            self._server_time += seconds
            self._timed += 1

    def clear(self) -> None:
        """Forget every answer (the world changed)."""
        with self._lock:
            self._answers.clear()

    def reset_counts(self) -> None:
        """Start hits, misses and server time from zero; the answers stay."""
        with self._lock:
            self._hits = self._misses = self._timed = 0
            self._server_time = 0.0

    def stats(self) -> ResponseCacheStats:
        with self._lock:
            return ResponseCacheStats(
                enabled=self.enabled,
                entries=len(self._answers),
                bytes=sum(len(a.body) for a in self._answers.values()),
                hits=self._hits,
                misses=self._misses,
                server_time_s=self._server_time,
                timed_requests=self._timed,
            )


class ResponseCacheMiddleware:
    """Innermost /v2 middleware: times every answer, and replays cached ones when enabled."""

    def __init__(self, app: ASGIApp, *, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = bytes(scope.get("raw_path") or b"") if scope["type"] == "http" else b""
        raw_path = raw_path.split(b"?", 1)[0]
        if raw_path != _PREFIX and not raw_path.startswith(_PREFIX + b"/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if not self.cache.enabled or scope.get("method") != "GET":
            await self.app(scope, receive, _timing(send, started, self.cache))
            return
        key = (raw_path, bytes(scope.get("query_string", b"")), _api_key(scope))
        answer = self.cache.get(key)
        if answer is None:
            answer = await capture(self.app, scope, receive)
            if answer.status == 200:
                self.cache.put(key, answer)
        await send_whole(_timing(send, started, self.cache), answer)


def _timing(send: Send, started: float, cache: ResponseCache) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            elapsed = time.perf_counter() - started
            cache.timed(elapsed)
            header = (b"server-timing", f"app;dur={elapsed * 1000:.3f}".encode())
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending


def _api_key(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name.lower() == _API_KEY_HEADER:
            return bytes(value)
    return b""
