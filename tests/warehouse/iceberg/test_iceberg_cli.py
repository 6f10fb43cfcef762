"""The command line on the Iceberg backend: the same commands, the same answers as on DuckDB.

With MEIBEL_WAREHOUSE_BACKEND=iceberg, `sync` runs the per-agent job for each agent the API
lists and then the verification job; `sql` and `report` read the Iceberg tables; `demo
--backend iceberg` does it all against the simulator, in a catalog of its own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.simulator import SimulatorServer
from tests.cli.test_cli import assert_a_wrong_key_fails_in_one_line
from tests.warehouse.iceberg.support import objects_in

pytestmark = pytest.mark.filterwarnings("ignore:Delete operation did not match any records")

runner = CliRunner()


@pytest.fixture
def env(iceberg_environment: dict[str, str], cli_env: Path) -> Path:
    # MEIBEL_WAREHOUSE is set too, to show it is not what Iceberg reads or writes.
    return cli_env


def test_sync_sql_and_report_on_iceberg(env: Path, simulator: SimulatorServer) -> None:
    # Exit 0: every run succeeded, every check passed, and no summary differs from the API's.
    synced = runner.invoke(app, ["sync", "--verify-sessions", "all"])
    assert synced.exit_code == 0, synced.output
    assert "Sync complete" in synced.output
    assert not (env / "meibel.duckdb").exists()

    written = env / "counts.json"
    query = "SELECT count(*) AS jobs, count(DISTINCT agent_name) AS agents FROM scoring_jobs"
    counted = runner.invoke(app, ["sql", query, "--output", str(written)])
    assert counted.exit_code == 0, counted.output[-2000:]
    [row] = [json.loads(line) for line in written.read_text().splitlines()]
    world = simulator.world
    assert row == {"jobs": len(world.find_jobs()), "agents": len(world.agent_ids)}

    reported = runner.invoke(app, ["report", "--output", str(env / "report.html")])
    assert reported.exit_code == 0, reported.output
    assert "Iceberg catalog meibel" in (env / "report.html").read_text()


def test_a_wrong_key_on_iceberg_fails_in_one_line_without_echoing_it(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_a_wrong_key_fails_in_one_line(env, monkeypatch)


def test_the_demo_on_iceberg_stays_in_its_folder(
    iceberg_environment: dict[str, str], s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """`demo --backend iceberg` is the laptop check of the Iceberg path: an embedded catalog in
    the demo's folder, never the catalog the environment configures, which it leaves as found."""
    before = dict(os.environ)
    directory = tmp_path / "demo"
    options = ["--backend", "iceberg", "--agents", "3", "--sessions", "6"]
    result = runner.invoke(app, ["demo", *options, "--directory", str(directory)])
    assert result.exit_code == 0, result.output
    assert "Reconciliation" in result.output
    assert (directory / "iceberg" / "catalog.db").is_file()
    assert (directory / "exports" / "scoring_jobs" / "_manifest.json").is_file()
    assert not (directory / "meibel.duckdb").exists()
    assert objects_in(s3_endpoint, bucket) == []
    assert dict(os.environ) == before
