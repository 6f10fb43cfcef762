from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipeline.simulator import SimulatorServer


@pytest.fixture
def api(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    """An authenticated client on the small simulator's /v2 base."""
    with httpx.Client(base_url=simulator.base_url, headers=simulator.headers) as client:
        yield client


@pytest.fixture
def admin(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    """A client on the small simulator's admin endpoints (`/_simulator/...`)."""
    with httpx.Client(base_url=f"{simulator.origin}/_simulator") as client:
        yield client
