"""The published rate limit: per API key, over a rolling window, with its headers.

The window itself is the `limits` library's moving window (a log of request times per key, in
memory), on real wall-clock time: clients pace themselves in real time, not on the world's
simulated clock. Limits are written as `limits` parses them: "60/minute", "20/2 seconds".

Every /v2 request counts against its key, whatever it then gets (faults included); a request
the limiter refuses does not. Every answer carries X-RateLimit-Limit, X-RateLimit-Remaining
(after this request) and X-RateLimit-Reset: the UTC epoch second, rounded up, by which the
oldest request in the window has left it, so a client that waits until then finds a free slot.
A refusal is a 429 with Retry-After, the whole seconds until that reset.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from pipeline.simulator.asgi import Header


@dataclass(frozen=True)
class Quota:
    """The limiter's answer to one request."""

    allowed: bool
    limit: int
    remaining: int
    reset: float  # epoch seconds

    @property
    def reset_header(self) -> int:
        return math.ceil(self.reset)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset - time.time()))

    def headers(self) -> list[Header]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset_header).encode()),
        ]


def parse_limit(limit: str) -> RateLimitItem:
    """`"60/minute"` as a limit; ValueError for anything `limits` cannot read."""
    return parse(limit)


class RateLimiter:
    """Rolling-window limits per API key; off (None) until given a limit. Thread-safe."""

    def __init__(self, limit: str | None = None) -> None:
        self._lock = threading.Lock()
        self._item: RateLimitItem | None = None
        self._text: str | None = None
        self._windows: MovingWindowRateLimiter | None = None
        self.configure(limit)

    @property
    def limit(self) -> str | None:
        with self._lock:
            return self._text

    def configure(self, limit: str | None) -> None:
        """A new limit (or None for none), with every key's window empty."""
        item = parse_limit(limit) if limit else None
        windows = MovingWindowRateLimiter(MemoryStorage()) if item else None
        with self._lock:
            self._item, self._text, self._windows = item, limit or None, windows

    def hit(self, api_key: str | None) -> Quota | None:
        """Count a request of this key; None while no limit is set."""
        with self._lock:
            item, windows = self._item, self._windows
            if item is None or windows is None:
                return None
            key = _identity(api_key)
            allowed = windows.hit(item, key)
            stats = windows.get_window_stats(item, key)
        remaining = max(0, stats.remaining)
        # An empty window has no oldest request; the library reports a stale start then.
        reset = stats.reset_time if remaining < item.amount else time.time()
        return Quota(allowed, item.amount, remaining, reset)


def _identity(api_key: str | None) -> str:
    # Windows are kept under a digest of the key: the key itself is never stored or shown.
    if api_key is None:
        return "anonymous"
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]
