"""Named points where a test can make this process die as if killed (SIGKILL).

A crash cannot be produced for real at a chosen instant from outside, so the crash-safety tests
set MEIBEL_PIPELINE_CRASH_AT=<point>[:<n>] and the process kills itself the n-th time (default
the first) it reaches that point. Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "MEIBEL_PIPELINE_CRASH_AT"
_reached: Counter[str] = Counter()


def failpoint(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
