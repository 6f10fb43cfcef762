"""One real sync shared by a test package: a simulator on loopback, the real Dagster job, a
warehouse file. The tests that only read what a sync produced share it rather than each
paying for its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pytest

from pipeline.simulator import SimulatorServer
from tests.conftest import SMALL_SIMULATOR
from tests.e2e.sync_env import SyncEnv

# More sessions than the suite's small world: some 15 hours of history back from the clock's
# start at noon on a Monday, so two calendar weeks and week-over-week rows exist.
SYNCED_WORLD = replace(SMALL_SIMULATOR, agents=4, sessions_per_agent=45, jobs_per_session=5)
# Every agent summary and a sample of session summaries are reconciled: enough to show, and
# each session summary costs a request.
VERIFY_SESSIONS = "12"


@contextmanager
def synced_warehouse(folder: Path) -> Iterator[SyncEnv]:
    with (
        SimulatorServer(SYNCED_WORLD) as simulator,
        dg.instance_for_test() as instance,
        pytest.MonkeyPatch.context() as env,
    ):
        warehouse, exports = folder / "meibel.duckdb", folder / "exports"
        env.setenv("MEIBEL_BASE_URL", simulator.base_url)
        env.setenv("MEIBEL_API_KEY", simulator.api_key)
        env.setenv("MEIBEL_WAREHOUSE", str(warehouse))
        env.setenv("MEIBEL_EXPORT_DIR", str(exports))
        env.delenv("DAGSTER_HOME", raising=False)
        synced = SyncEnv(simulator, warehouse, exports, instance)
        result = synced.sync(verify_sessions=VERIFY_SESSIONS)
        assert result.success, [e.message for e in result.get_step_failure_events()]
        yield synced
