"""The sync target's calls on one thread of their own, awaited from the sync's event loop.

DuckDB releases the GIL while it works, so with its calls on their own thread the event loop
keeps sending requests and reading answers while a batch is staged or an agent commits. One
thread: the calls still run one at a time, in the order they were made, as one connection needs.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class WarehouseThread:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse")

    async def run(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(call, *args, **kwargs))

    def close(self) -> None:
        # A call already running (an agent's commit whose sync was cancelled meanwhile) ends
        # first: the caller may close the warehouse next.
        self._executor.shutdown(wait=True)
