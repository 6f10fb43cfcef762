"""Serving the simulator over real HTTP: in a background thread for tests, or blocking for the CLI.

The listening socket is bound here (port 0) and handed to uvicorn, so the port is known at
once and connections made before the event loop runs wait in the backlog instead of failing.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final

import uvicorn
from fastapi import FastAPI

from pipeline.simulator.app import create_app
from pipeline.simulator.connections import ConnectionResetter
from pipeline.simulator.faults import FAULT_PROFILES, FaultInjector, FaultSettings
from pipeline.simulator.middleware import quiet_dropped_responses
from pipeline.simulator.ratelimit import RateLimiter, parse_limit
from pipeline.simulator.response_cache import ResponseCache
from pipeline.simulator.stats import RequestStats
from pipeline.simulator.world import MAX_PAGE_SIZE, World, WorldSpec

LOOPBACK: Final = "127.0.0.1"
_STARTUP_TIMEOUT: Final = 30.0
_SHUTDOWN_TIMEOUT: Final = 30.0


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything a simulator is made from: world, API key, latency, faults and rate limit.

    `fault_profile` names a way to misbehave (see `pipeline.simulator.faults`: one of
    `FAULT_PROFILES`, e.g. "chaos") and `fault_rate` the share of requests it hits;
    `rate_limit` is a per-key rolling-window limit such as "60/minute" (None: no limit).
    """

    seed: int = 0
    agents: int = 4
    sessions_per_agent: int = 50
    jobs_per_session: float = 6.0
    api_key: str = field(default="sim-api-key", repr=False)
    latency: float = 0.0
    rate_429: float = 0.0
    rate_503: float = 0.0
    rate_drop: float = 0.0
    retry_after: int = 1
    fault_profile: str | None = None
    fault_rate: float = 0.1
    hang_s: float = 35.0
    trickle_s: float = 2.0
    rate_limit: str | None = None
    # Benchmarks only: replay each /v2 answer once built (see pipeline.simulator.response_cache).
    response_cache: bool = False

    def __post_init__(self) -> None:
        # Fail where the config is made (the CLI's options), not at the first request.
        if self.fault_profile is not None and self.fault_profile not in FAULT_PROFILES:
            known = ", ".join(FAULT_PROFILES)
            raise ValueError(f"unknown fault profile {self.fault_profile!r}; known: {known}")
        if self.rate_limit is not None:
            parse_limit(self.rate_limit)
        self.fault_settings()

    def world_spec(self) -> WorldSpec:
        return WorldSpec(
            seed=self.seed,
            agents=self.agents,
            sessions_per_agent=self.sessions_per_agent,
            jobs_per_session=self.jobs_per_session,
        )

    def fault_settings(self) -> FaultSettings:
        return FaultSettings(
            latency=self.latency,
            rate_429=self.rate_429,
            rate_503=self.rate_503,
            rate_drop=self.rate_drop,
            retry_after=self.retry_after,
            profile=self.fault_profile,
            rate=self.fault_rate,
            hang_s=self.hang_s,
            trickle_s=self.trickle_s,
        )


class Simulator:
    """A world, its faults, rate limit, request counts and the app serving them, unstarted."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.api_key = self.config.api_key
        self.world = World(self.config.world_spec())
        self.faults = FaultInjector(self.config.fault_settings(), seed=self.config.seed)
        self.stats = RequestStats()
        self.limiter = RateLimiter(self.config.rate_limit)
        self.resetter = ConnectionResetter()
        self.response_cache = ResponseCache(self.config.response_cache)
        self.app: FastAPI = create_app(
            self.world,
            api_key=self.api_key,
            faults=self.faults,
            stats=self.stats,
            limiter=self.limiter,
            resetter=self.resetter,
            response_cache=self.response_cache,
        )

    def bad_records(self) -> dict[str, set[str]]:
        """The ids served corrupted now, per listing ("agents", "sessions", "jobs")."""
        world, is_bad = self.world, self.faults.is_bad_record
        sessions = (
            s.session_id
            for agent_id in world.agent_ids
            for offset in range(0, world.list_sessions(agent_id).total, MAX_PAGE_SIZE)
            for s in world.list_sessions(agent_id, offset, sort_order="asc").data
        )
        return {
            "agents": {agent_id for agent_id in world.agent_ids if is_bad(agent_id)},
            "sessions": {session_id for session_id in sessions if is_bad(session_id)},
            "jobs": {job.job_id for job in world.find_jobs() if is_bad(job.job_id)},
        }


class _NotifyingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


def _uvicorn_config(app: FastAPI, log_level: str, **options: object) -> uvicorn.Config:
    quiet_dropped_responses()
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        **options,  # type: ignore[arg-type]
    )


class SimulatorServer(Simulator):
    """The simulator on 127.0.0.1, on a free port, in a background thread.

    `with SimulatorServer(config) as sim:` ... `httpx.get(f"{sim.base_url}/agents", ...)`.
    """

    def __init__(self, config: SimulatorConfig | None = None, log_level: str = "warning") -> None:
        super().__init__(config)
        self._log_level = log_level
        self._socket: socket.socket | None = None
        self._server: _NotifyingServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`: where the admin endpoints (`/_simulator/...`) live."""
        if not self.port:
            raise RuntimeError("the simulator is not started")
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base, as a client configures it: `http://127.0.0.1:PORT/v2`."""
        return f"{self.origin}/v2"

    @property
    def headers(self) -> dict[str, str]:
        """The authentication header a client must send."""
        return {"Meibel-API-Key": self.api_key}

    def start(self) -> SimulatorServer:
        if self._thread is not None:
            raise RuntimeError("the simulator is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))
        sock.listen(256)
        ready = threading.Event()
        server = _NotifyingServer(_uvicorn_config(self.app, self._log_level), ready)
        self.resetter.attach(server)

        def run() -> None:
            try:
                server.run(sockets=[sock])
            finally:
                ready.set()  # a server that failed to start must not leave start() waiting

        thread = threading.Thread(target=run, name=f"meibel-simulator-{id(self):x}", daemon=True)
        self._socket, self._server, self._thread = sock, server, thread
        self.port = sock.getsockname()[1]
        thread.start()
        if not ready.wait(_STARTUP_TIMEOUT) or not server.started:
            self.stop()
            raise RuntimeError("the simulator's server did not start")
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_SHUTDOWN_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError("the simulator's server did not stop")
        if sock is not None:
            sock.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    config: SimulatorConfig | None = None,
    host: str = LOOPBACK,
    port: int = 8000,
    log_level: str = "info",
) -> None:
    """Serve a simulator until interrupted (the CLI's `simulate` command)."""
    simulator = Simulator(config)
    server = uvicorn.Server(_uvicorn_config(simulator.app, log_level, host=host, port=port))
    simulator.resetter.attach(server)
    server.run()
