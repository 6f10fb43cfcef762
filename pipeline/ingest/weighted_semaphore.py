"""An asyncio semaphore whose holders each take as many units as they weigh.

The sync bounds its memory by the sessions whose jobs answers are in flight at once, not by the
number of answers: four small agents' answers go together while one large agent's goes alone.
asyncio's and anyio's semaphores count holders, not weights, hence this one. Waiters are served
first come, first served, so a heavy request is not starved by a stream of light ones.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WeightedSemaphore:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._free = capacity
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def free(self) -> int:
        """Units no holder holds."""
        return self._free

    @property
    def waiting(self) -> int:
        """Holders waiting for their units."""
        return len(self._waiters)

    @asynccontextmanager
    async def hold(self, units: int) -> AsyncIterator[None]:
        """Hold `units` (a holder heavier than the whole capacity holds all of it, alone)."""
        units = max(1, min(units, self.capacity))
        await self._acquire(units)
        try:
            yield
        finally:
            self._release(units)

    async def _acquire(self, units: int) -> None:
        if not self._waiters and units <= self._free:
            self._free -= units
            return
        granted = asyncio.get_running_loop().create_future()
        entry = (units, granted)
        self._waiters.append(entry)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                # Granted as it was cancelled: the units go on to the next waiters.
                self._release(units)
            elif entry in self._waiters:
                self._waiters.remove(entry)
                # Those behind it may fit now.
                self._grant()
            raise

    def _release(self, units: int) -> None:
        self._free += units
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self._waiters[0][0] <= self._free:
            units, granted = self._waiters.popleft()
            if granted.cancelled():
                continue
            self._free -= units
            granted.set_result(None)
