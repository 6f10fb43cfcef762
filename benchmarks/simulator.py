"""The simulator in a process of its own: `python -m benchmarks.simulator PORT CONFIG_JSON`.

A contender sharing the simulator's process would share its GIL, and every millisecond the
simulator spends building JSON would count against the contender. `SimulatorProcess` starts
this entry point, waits until it answers, and drives its admin endpoints (`/_simulator/...`).
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import time
from types import TracebackType
from typing import Any, Final

import httpx

from pipeline.simulator.server import LOOPBACK, SimulatorConfig, serve

# A world of a million jobs takes a while to generate before the port opens.
_STARTUP_TIMEOUT_S: Final = 600.0


class SimulatorProcess:
    """`with SimulatorProcess(config) as sim:` a simulator serving on a free loopback port."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._admin = httpx.Client(base_url=f"http://{LOOPBACK}:{self.port}/_simulator")

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v2"

    @property
    def api_key(self) -> str:
        return self.config.api_key

    def __enter__(self) -> SimulatorProcess:
        config = json.dumps(dataclasses.asdict(self.config))
        argv = [sys.executable, "-m", "benchmarks.simulator", str(self.port), config]
        self._process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            argv,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the simulator exited with {self._process.returncode}")
            try:
                self._admin.get("/world").raise_for_status()
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("the simulator did not start")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._admin.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._admin.request(method, path, timeout=600, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset_counts(self) -> None:
        """Zero the request counts and the simulator's own timing; cached answers stay."""
        self._call("DELETE", "/stats")
        self._call("DELETE", "/response-cache/counts")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/stats")
        return result

    def cache_stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/response-cache")
        return result

    def world(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/world")
        return result

    def advance(self, minutes: float) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/advance", params={"minutes": minutes})
        return result

    def set_rate_limit(self, limit: str | None) -> None:
        """A new limit with every window empty (also clears the windows of the same limit)."""
        self._call("PUT", "/rate-limit", json={"limit": limit})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def main(argv: list[str]) -> None:
    port, config = int(argv[0]), SimulatorConfig(**json.loads(argv[1]))
    serve(config, host=LOOPBACK, port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
