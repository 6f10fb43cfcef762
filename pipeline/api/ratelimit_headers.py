"""Reading the published rate-limit headers: X-RateLimit-Limit, -Remaining, -Reset, Retry-After.

Reset is an absolute UTC epoch second on the server's clock. It is turned into "seconds from
now" on ours, unless the response's Date header shows the server's clock ahead of ours by more
than a few seconds: then the server's Date stands in for its clock (it is truncated to the
second, which only makes the wait longer, never early). A Date behind ours is not taken for
the server's clock: servers stamp Date from a clock they refresh about once a second, and a
busy one (measured: the simulator under a full sync) sends it seconds stale, which would make
every wait for the window that much too long. Should our clock really run ahead of the server's,
a wait ends early, draws one 429, and its Retry-After is waited out.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

LIMIT: Final = "X-RateLimit-Limit"
REMAINING: Final = "X-RateLimit-Remaining"
RESET: Final = "X-RateLimit-Reset"
RETRY_AFTER: Final = "Retry-After"
_CLOCK_SKEW_TOLERANCE_S: Final = 2.0


@dataclass(frozen=True)
class RateLimitHeaders:
    limit: int
    remaining: int
    reset_in_s: float  # seconds from when the response arrived until the window frees a slot

    @classmethod
    def of(cls, response: httpx.Response) -> RateLimitHeaders | None:
        """The headers of a response, or None if it lacks them or they do not parse."""
        headers = response.headers
        try:
            limit = int(headers[LIMIT])
            remaining = int(headers[REMAINING])
            reset = float(headers[RESET])
        except (KeyError, ValueError):
            return None
        if not math.isfinite(reset):
            return None
        return cls(limit, max(0, remaining), seconds_until(reset, response))


def seconds_until(epoch: float, response: httpx.Response) -> float:
    """Seconds from now until the server's clock shows `epoch` (never negative)."""
    now = time.time()
    server_now = _server_date(response)
    if server_now is not None and server_now - now > _CLOCK_SKEW_TOLERANCE_S:
        now = server_now
    return max(0.0, epoch - now)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """How long a 429 or 503 asks us to wait: Retry-After, else (on a 429) the window's Reset.

    Retry-After's HTTP-date form is rare enough to fall back to backoff.
    """
    value = response.headers.get(RETRY_AFTER)
    if value is not None:
        try:
            seconds = float(value)
        except ValueError:
            return None
        return max(0.0, seconds) if math.isfinite(seconds) else None
    if response.status_code == 429:
        info = RateLimitHeaders.of(response)
        return info.reset_in_s if info else None
    return None


def _server_date(response: httpx.Response) -> float | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
