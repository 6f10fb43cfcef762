"""A sync killed (SIGKILL) anywhere leaves the warehouse consistent; the next one finishes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.failpoints import ENV as CRASH_AT
from tests.e2e.sync_env import SyncEnv
from tests.e2e.test_incremental import assert_warehouse_equals_api, outcome

CLI = str(Path(sys.executable).parent / "meibel-pipeline")
AgentState = frozenset[tuple[str, tuple[object, ...]]]

# Requests the sync has sent when it dies, drawn once so the run is reproducible.
RANDOM_REQUESTS = sorted(random.Random(20261123).sample(range(2, 40), 2))


def agent_states(env: SyncEnv) -> dict[str, AgentState]:
    """Per agent, what the warehouse holds of its jobs' outcomes."""
    with env.open() as wh:
        rows = wh.query(
            "SELECT agent_name, job_id, status, score, explanation FROM scoring_jobs"
        ).to_pylist()
    states: dict[str, set[tuple[str, tuple[object, ...]]]] = {}
    for r in rows:
        states.setdefault(r["agent_name"], set()).add(
            (r["job_id"], (r["status"], r["score"], r["explanation"]))
        )
    return {name: frozenset(jobs) for name, jobs in states.items()}


def api_states(env: SyncEnv) -> dict[str, AgentState]:
    states: dict[str, set[tuple[str, tuple[object, ...]]]] = {}
    for job in env.jobs():
        name = job.agent_identity_context.agent_name
        assert name is not None
        states.setdefault(name, set()).add((job.job_id, outcome(job)))
    return {name: frozenset(jobs) for name, jobs in states.items()}


@pytest.mark.parametrize(
    "crash_at",
    [
        *(f"request:{n}" for n in RANDOM_REQUESTS),  # while fetching
        "before-commit:2",  # inside an agent's transaction, its rows written, not committed
        "after-commit:3",  # between two agents' commits
        "export:4",  # a Parquet file written aside, not yet renamed into place
    ],
)
def test_a_killed_sync_leaves_each_agent_as_it_was_or_wholly_forward(
    sync_env: SyncEnv, crash_at: str
) -> None:
    assert sync_env.sync().success
    before = agent_states(sync_env)
    sync_env.simulator.world.advance(12 * 60)
    after = api_states(sync_env)
    assert before != after

    killed = subprocess.run(
        [CLI, "sync"],
        env={**os.environ, CRASH_AT: crash_at},
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    # The file opens after the kill, and every agent is at one of its two consistent states.
    states = agent_states(sync_env)
    for name, jobs in states.items():
        assert jobs in (before.get(name), after.get(name)), name
    for parquet in sync_env.exports.rglob("*.parquet"):
        assert pq.read_metadata(parquet).num_rows >= 0

    result = sync_env.sync()
    assert result.success
    assert_warehouse_equals_api(sync_env)
    with sync_env.open() as wh:
        assert all(level.mismatched == 0 for level in wh.reconciliation_totals())
    assert list(sync_env.exports.rglob("*.partial")) == []
