"""Every failure a user can cause ends in one line naming cause and remedy, and the key stays
secret in everything a sync produces, failing syncs included."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import EXIT_FAILED, app
from pipeline.cli.errors import explain
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.resource import writer_lock

runner = CliRunner()
SECRET = "sk-live-4f2c9d1e-very-secret-key"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A persistent Dagster home, so that its run and event storage can be searched too.
    (tmp_path / "dagster_home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("MEIBEL_WAREHOUSE", str(tmp_path / "wh" / "meibel.duckdb"))
    monkeypatch.setenv("MEIBEL_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("MEIBEL_LOCK_TIMEOUT_S", "0")
    return tmp_path


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]  # bound, never listening: connections are refused


def sync(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["sync", *args])
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_wrong_key(env: Path, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    monkeypatch.setenv("MEIBEL_API_KEY", SECRET)
    code, output = sync()
    assert code == EXIT_FAILED
    assert "rejected the key" in one_error_line(output)
    assert "MEIBEL_API_KEY" in output


def test_wrong_base_url(
    env: Path, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.origin + "/v1")
    monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
    code, output = sync()
    assert code == EXIT_FAILED
    assert "no Meibel API at MEIBEL_BASE_URL" in one_error_line(output)


def test_unreachable_server(env: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEIBEL_BASE_URL", f"http://127.0.0.1:{closed_port}/v2")
    monkeypatch.setenv("MEIBEL_API_KEY", SECRET)
    code, output = sync()
    assert code == EXIT_FAILED
    assert "cannot reach the API" in one_error_line(output)


def test_locked_warehouse(
    env: Path, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
    with writer_lock(env / "wh" / "meibel.duckdb", timeout_s=5):
        code, output = sync()
    assert code == EXIT_FAILED
    assert "another sync is writing" in one_error_line(output)


def test_unwritable_warehouse_path(
    env: Path, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = env / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("MEIBEL_WAREHOUSE", str(blocker / "meibel.duckdb"))
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    monkeypatch.setenv("MEIBEL_API_KEY", simulator.api_key)
    code, output = sync()
    assert code == EXIT_FAILED
    assert "MEIBEL_WAREHOUSE" in one_error_line(output)


def test_the_key_appears_in_nothing_a_sync_writes(
    env: Path, simulator_factory: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator = simulator_factory(api_key=SECRET, rate_503=0.2)  # type: ignore[operator]
    monkeypatch.setenv("MEIBEL_BASE_URL", simulator.base_url)
    outputs = []
    for key in (SECRET, SECRET + "-wrong"):
        monkeypatch.setenv("MEIBEL_API_KEY", key)
        outputs.append(sync("--verbose")[1])
    assert "Sync complete" in outputs[0]
    assert "rejected the key" in outputs[1]
    for output in outputs:
        assert SECRET not in output
    written = [p for p in env.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in written)
    assert any(p.suffix == ".parquet" for p in written)
    assert any("dagster_home" in p.parts for p in written)
    leaked = [p for p in written if SECRET.encode() in p.read_bytes()]
    assert leaked == []


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("OSError: [Errno 28] No space left on device", "disk holding the warehouse is full"),
        ("IOException: IO Error: Could not set lock on file x.duckdb", "open in another program"),
        ("SomethingElse: odd", "SomethingElse: odd. Run with --verbose"),
    ],
)
def test_explanations_of_failures_hard_to_cause_here(failure: str, expected: str) -> None:
    assert expected in explain(failure)
