"""Fixtures shared by the whole suite: simulated Meibel APIs on loopback.

`simulator` is a small, running simulator per test (every tricky agent name of the first six,
8 sessions each, about 5 jobs per session). `simulator_factory(...)` starts others: pass a
`SimulatorConfig`, or overrides of the small one (`simulator_factory(seed=3, agents=10)`).
Every server a test starts is stopped after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pytest

from pipeline.simulator import SimulatorConfig, SimulatorServer

# A real PostgreSQL server on loopback, for the tests of Dagster's storage in it.
pytest_plugins = ["tests.postgres_server"]

SMALL_SIMULATOR = SimulatorConfig(
    seed=7,
    agents=6,
    sessions_per_agent=8,
    jobs_per_session=5,
    api_key="test-api-key",
)


class SimulatorFactory(Protocol):
    def __call__(
        self, config: SimulatorConfig | None = None, **overrides: Any
    ) -> SimulatorServer: ...


@pytest.fixture
def simulator_factory() -> Iterator[SimulatorFactory]:
    started: list[SimulatorServer] = []

    def start(config: SimulatorConfig | None = None, **overrides: Any) -> SimulatorServer:
        server = SimulatorServer(replace(config or SMALL_SIMULATOR, **overrides)).start()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def simulator(simulator_factory: SimulatorFactory) -> SimulatorServer:
    return simulator_factory()


@pytest.fixture
def cli_env(simulator: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings a CLI sync reads, pointing at `simulator` and a fresh folder (returned)."""
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
    monkeypatch.setenv("MEIBEL_WAREHOUSE", str(tmp_path / "meibel.duckdb"))
    monkeypatch.setenv("MEIBEL_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path
