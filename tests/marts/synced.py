"""One real sync shared by the marts, exports and reporting tests: a simulator on loopback,
the real Dagster job, a warehouse file. Those tests only read what a sync produced, so they
share one rather than each paying for its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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
_SYNCED = pytest.StashKey[SyncEnv]()


@contextmanager
def environment(env: SyncEnv) -> Iterator[None]:
    """The variables the pipeline and the CLI read, pointing at `env`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEIBEL_BASE_URL", env.simulator.base_url)
        patch.setenv("MEIBEL_API_KEY", env.simulator.api_key)
        patch.setenv("MEIBEL_WAREHOUSE", str(env.warehouse))
        patch.setenv("MEIBEL_EXPORT_DIR", str(env.exports))
        patch.delenv("DAGSTER_HOME", raising=False)
        yield


@contextmanager
def synced_warehouse(folder: Path) -> Iterator[SyncEnv]:
    with SimulatorServer(SYNCED_WORLD) as simulator, dg.instance_for_test() as instance:
        synced = SyncEnv(simulator, folder / "meibel.duckdb", folder / "exports", instance)
        with environment(synced):
            result = synced.sync(verify_sessions=VERIFY_SESSIONS)
        assert result.success, [e.message for e in result.get_step_failure_events()]
        yield synced


def shared_sync(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> SyncEnv:
    """The session's one synced warehouse, made on first use, torn down with the session."""
    session = request.session
    if _SYNCED not in session.stash:
        stack = ExitStack()
        session.stash[_SYNCED] = stack.enter_context(synced_warehouse(tmp.mktemp("synced")))
        session.addfinalizer(stack.close)
    return session.stash[_SYNCED]
