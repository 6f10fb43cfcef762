"""The `meibel-pipeline` command, run in-process against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import EXIT_FAILED, EXIT_USAGE, app
from pipeline.simulator import SimulatorServer

runner = CliRunner()


@pytest.fixture
def env(cli_env: Path) -> Path:
    return cli_env


def test_sync_then_sql(env: Path, simulator: SimulatorServer) -> None:
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert "Sync complete" in result.output
    query = runner.invoke(app, ["sql", "SELECT count(*) AS jobs FROM scoring_jobs"])
    assert query.exit_code == 0, query.output
    assert str(len(simulator.world.find_jobs())) in query.output


def test_sync_without_a_key_says_so(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEIBEL_API_KEY")
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == EXIT_USAGE
    assert "MEIBEL_API_KEY is not set" in result.output


def test_a_wrong_key_fails_in_one_line_without_echoing_it(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_a_wrong_key_fails_in_one_line(env, monkeypatch)


def assert_a_wrong_key_fails_in_one_line(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync with a wrong key: one explained line, no traceback, the key nowhere."""
    secret = "sk-wrong-but-secret-4242"
    monkeypatch.setenv("MEIBEL_API_KEY", secret)
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == EXIT_FAILED
    assert "HTTP 401" in result.output
    assert "Check MEIBEL_API_KEY" in result.output
    assert "Traceback" not in result.output
    assert secret not in result.output
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert all(secret.encode() not in p.read_bytes() for p in written)


def test_sql_on_a_missing_warehouse_and_a_bad_query(env: Path) -> None:
    missing = runner.invoke(app, ["sql", "SELECT 1"])
    assert missing.exit_code == EXIT_USAGE
    assert "no warehouse" in missing.output
    assert runner.invoke(app, ["sync"]).exit_code == 0
    bad = runner.invoke(app, ["sql", "SELECT nope FROM scoring_jobs"])
    assert bad.exit_code == EXIT_FAILED
    assert "nope" in bad.output


def test_demo_runs_the_whole_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEIBEL_BASE_URL", "MEIBEL_API_KEY", "MEIBEL_WAREHOUSE", "MEIBEL_EXPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    directory = tmp_path / "demo"
    result = runner.invoke(
        app, ["demo", "--agents", "3", "--sessions", "6", "--directory", str(directory)]
    )
    assert result.exit_code == 0, result.output
    assert "Reconciliation" in result.output
    assert (directory / "exports" / "scoring_jobs" / "_manifest.json").is_file()
    assert (directory / "meibel.report.html").is_file()
