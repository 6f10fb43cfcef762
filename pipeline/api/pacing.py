"""Pacing requests by the API's rate-limit headers, so that a sync never draws a 429 itself.

Written here rather than taken from a library: rate limiters such as aiolimiter, limits or
pyrate-limiter enforce a rate configured up front, whereas here the limit, what is left of it
and when the window frees a slot come from the server with every response, and may be spent
by other clients of the same key as well. The pacer follows the server's count:

- Nothing known yet (the first request, or after the window has moved on): one request goes
  alone, as a probe; its Remaining tells how many may follow, less any requests of the
  previous window still in flight (the server may not have counted them yet).
- Remaining known: that many go, as fast as `max_in_flight` lets them. Each later response
  shows how much of the window is spent; what our own requests cannot explain, someone else
  has spent, and the count drops by that. (Only what they cannot explain: the server counts
  concurrent requests in no particular order, so assuming ours in send order would see
  others where there are none.) Right after any response we send at most its Remaining.
  A response never raises the count: it may be stale, and answers arrive out of order.
- Remaining spent: everyone waits until the reset time, then a probe finds out how much the
  window has freed (Reset is the time the oldest request leaves the window, in whole seconds
  rounded up, so a probe then never meets a full window of our own making).
- A 429 (someone else spent the key, or the server disagrees): everyone waits as Retry-After,
  or the reset, says; then a probe.
- A server that sends no rate-limit headers at all is not paced.

All requests of one client share one pacer. Two clients on one key each keep within what the
server last told them, so neither bursts past Remaining; the 429s they may still draw from
each other are waited out as above. Clients that know of each other (the runs holding the
Dagster pool on the key) say how many they are with `sharers`: each then takes only its share
of what a window has left, so that together they stay within it instead of racing for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final, Literal

import httpx

from pipeline.api.errors import RateLimitExhausted
from pipeline.api.ratelimit_headers import RateLimitHeaders, retry_after_seconds

# Added to every wait for the window: the server's reset is on its own clock.
_MARGIN_S: Final = 0.05
# How long to pause after a 429 that says nothing of when to come back.
_DEFAULT_429_PAUSE_S: Final = 1.0

Mode = Literal["unknown", "known", "unlimited"]


@dataclass
class Permit:
    """Leave to send one request; tell the pacer what came back with `answered`."""

    generation: int
    probe: bool
    response: httpx.Response | None = None

    def answered(self, response: httpx.Response) -> None:
        self.response = response


class Pacer:
    """Shared by every request of one client. Use `async with pacer.permit() as permit:`."""

    def __init__(self, max_wait_s: float, sharers: Callable[[], int] | None = None) -> None:
        self.max_wait_s = max_wait_s
        # How many clients split the key's windows at the moment (us included); read at the
        # first word on each window.
        self._sharers = sharers
        self._changed = asyncio.Condition()
        self._mode: Mode = "unknown"
        self._generation = 0
        self._probing = False
        self._in_flight = 0
        # The window's count: `base` requests were free when it began, we have been granted
        # `sent` of them, and others have been seen spending `others`. Ours to send of it:
        # up to `allowance`, counted like `sent`.
        self._base = 0
        self._allowance = 0
        self._sent = 0
        self._others = 0
        self._reset_at = 0.0  # loop time by which the window frees a slot
        self._paused_until = 0.0  # loop time until which a 429 stops everyone
        self.limit: int | None = None  # the last X-RateLimit-Limit seen
        self.waits = 0  # times a request waited for the window
        self.waited_s = 0.0  # time requests spent waiting for it, added up

    @asynccontextmanager
    async def permit(self) -> AsyncIterator[Permit]:
        permit = await self._acquire()
        try:
            yield permit
        finally:
            await self._release(permit)

    async def _acquire(self) -> Permit:
        loop = asyncio.get_running_loop()
        async with self._changed:
            waited_since: float | None = None
            while True:
                now = loop.time()
                decision = self._decide(now)
                if isinstance(decision, Permit):
                    if waited_since is not None:
                        self.waits += 1
                        self.waited_s += now - waited_since
                    return decision
                if waited_since is None:
                    waited_since = now
                if decision is None:
                    await self._changed.wait()
                    continue
                if decision - now > self.max_wait_s:
                    raise RateLimitExhausted(decision - now, self.limit)
                try:
                    async with asyncio.timeout_at(decision):
                        await self._changed.wait()
                except TimeoutError:
                    pass

    def _decide(self, now: float) -> Permit | float | None:
        """A permit, or the loop time to wait until (None: until a response arrives)."""
        if now < self._paused_until:
            return self._paused_until
        if self._mode == "unlimited":
            return self._grant(probe=False)
        if self._mode == "known":
            if self._remaining > 0:
                return self._grant(probe=False)
            if now < self._reset_at:
                return self._reset_at
            # The window has freed at least one slot since: a probe finds out how many.
            self._mode = "unknown"
            self._generation += 1
            self._base = self._allowance = self._sent = self._others = 0
        return None if self._probing else self._grant(probe=True)

    @property
    def _remaining(self) -> int:
        return min(self._allowance, self._base - self._others) - self._sent

    def _grant(self, probe: bool) -> Permit:
        self._in_flight += 1
        self._sent += 1
        self._probing = self._probing or probe
        return Permit(self._generation, probe)

    async def _release(self, permit: Permit) -> None:
        loop = asyncio.get_running_loop()
        async with self._changed:
            self._in_flight -= 1
            if permit.probe:
                self._probing = False
            response = permit.response
            if response is not None:
                self._learn(permit, response, loop.time())
            self._changed.notify_all()

    def _learn(self, permit: Permit, response: httpx.Response, now: float) -> None:
        info = RateLimitHeaders.of(response)
        if info is None:
            if self._mode == "unknown" and permit.probe and response.status_code != 429:
                self._mode = "unlimited"  # the server publishes no limit: nothing to pace
        elif permit.generation == self._generation:
            self.limit = info.limit
            reset_at = now + info.reset_in_s + _MARGIN_S
            if self._mode != "known":
                # The first word on this window: all still in flight may be uncounted yet.
                self._mode, self._reset_at = "known", reset_at
                free = max(0, info.remaining - self._in_flight)
                self._base = self._sent + free
                self._allowance = self._sent + self._share_of(free)
                self._others = 0
            else:
                # Spent so far: base - Remaining. Of that, ours can be at most all we have sent.
                spent_by_others = self._base - info.remaining - self._sent
                self._others = max(self._others, spent_by_others)
                self._reset_at = max(self._reset_at, reset_at)
        if response.status_code == 429:
            pause = retry_after_seconds(response)
            self._paused_until = max(
                self._paused_until, now + (_DEFAULT_429_PAUSE_S if pause is None else pause)
            )
            self._mode, self._others = "known", max(0, self._base - self._sent)
            self._reset_at = max(self._reset_at, self._paused_until)

    def _share_of(self, free: int) -> int:
        """Our part of `free` requests; at least one, so that every sharer moves on."""
        sharers = 1 if self._sharers is None else max(1, self._sharers())
        return max(1, free // sharers) if free else 0
