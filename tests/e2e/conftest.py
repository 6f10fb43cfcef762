"""Fixtures for end-to-end syncs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from pipeline.simulator import SimulatorServer
from tests.e2e.sync_env import SyncEnv, SyncEnvFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sync_env_factory(
    simulator_factory: Callable[..., SimulatorServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SyncEnvFactory]:
    """`sync_env_factory(**simulator_overrides)`: a simulator, a fresh warehouse, env set."""
    # The repository's concurrency settings, so that the API step holds a slot of its pool.
    concurrency = yaml.safe_load((ROOT / "dagster.yaml").read_text())["concurrency"]
    with dg.instance_for_test(overrides={"concurrency": concurrency}) as instance:

        def make(**overrides: Any) -> SyncEnv:
            simulator = simulator_factory(**overrides)
            warehouse = tmp_path / "meibel.duckdb"
            exports = tmp_path / "exports"
            monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
            monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
            monkeypatch.setenv("MEIBEL_WAREHOUSE", str(warehouse))
            monkeypatch.setenv("MEIBEL_EXPORT_DIR", str(exports))
            return SyncEnv(simulator, warehouse, exports, instance)

        yield make


@pytest.fixture
def sync_env(sync_env_factory: SyncEnvFactory) -> SyncEnv:
    return sync_env_factory()
