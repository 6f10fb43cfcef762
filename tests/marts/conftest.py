"""The session's one real sync, shared by the marts tests that only read its result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.sync_env import SyncEnv
from tests.marts.synced import environment, shared_sync


@pytest.fixture
def synced(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncEnv]:
    env = shared_sync(request, tmp_path_factory)
    with environment(env):
        yield env
