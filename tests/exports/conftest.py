"""One real sync, shared by the export tests that only read its result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.sync_env import SyncEnv
from tests.marts.synced import synced_warehouse


@pytest.fixture(scope="package")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncEnv]:
    with synced_warehouse(tmp_path_factory.mktemp("exports")) as env:
        yield env
