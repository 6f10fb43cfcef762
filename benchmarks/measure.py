"""Run one contender in a child process: its wall time, its peak memory, what it printed.

Peak memory is the child's own maximum resident set size as the kernel reports it when the
child is reaped (`os.wait4`), the same way for every contender whatever it runs inside.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

_POLL_S: Final = 0.02


@dataclass
class ProcessRun:
    returncode: int
    process_s: float
    max_rss_mb: float
    timed_out: bool
    # The JSON object on the last line of standard output, if the child printed one.
    result: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""


def run(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout_s: float | None = None
) -> ProcessRun:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # The argv is ours: this interpreter or the project's own CLI, never outside input.
        env_copy = dict(env) if env else None
        child = subprocess.Popen(argv, stdout=out, stderr=err, env=env_copy)  # noqa: S603
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if timeout_s is not None and time.perf_counter() - started > timeout_s:
                timed_out = True
                os.kill(child.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(_POLL_S)
        elapsed = time.perf_counter() - started
        # Reaped here, not by Popen: tell it so that it does not try again.
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
        stderr = err.read().decode(errors="replace")
    result: dict[str, Any] = {}
    if lines and lines[-1].startswith("{"):
        result = json.loads(lines[-1])
    return ProcessRun(
        returncode=child.returncode,
        process_s=elapsed,
        max_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        timed_out=timed_out,
        result=result,
        stderr_tail=stderr[-2000:],
    )
