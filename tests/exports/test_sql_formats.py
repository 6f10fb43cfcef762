"""`meibel-pipeline sql` writes a result as CSV, JSON Lines or Parquet that reads back the same."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from pipeline.cli.app import EXIT_USAGE, app
from tests.e2e.sync_env import SyncEnv

QUERY = (
    "SELECT agent_name, module, score_date, n_scored, mean_score, "
    "[module, agent_name] AS tags FROM daily_scores ORDER BY ALL"
)
runner = CliRunner()


def test_sql_writes_csv_json_and_parquet(synced: SyncEnv, tmp_path: Path) -> None:
    with synced.open() as wh:
        expected = wh.query(QUERY).to_pylist()
    assert expected
    for suffix in ("csv", "json", "parquet"):
        result = runner.invoke(app, ["sql", QUERY, "--output", str(tmp_path / f"out.{suffix}")])
        assert result.exit_code == 0, result.output
        assert f"{len(expected):,} rows written" in result.output

    parquet = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert parquet == expected
    lines = (tmp_path / "out.json").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["agent_name"] for line in lines] == [r["agent_name"] for r in expected]
    assert json.loads(lines[0])["score_date"] == expected[0]["score_date"].isoformat()
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["module"] for r in rows] == [r["module"] for r in expected]
    # Nested values become JSON text: CSV has no lists.
    assert json.loads(rows[0]["tags"]) == expected[0]["tags"]

    # Without --output, csv goes to standard output; the table format prints aligned columns.
    printed = runner.invoke(app, ["sql", "SELECT 1 AS a, 'x' AS b", "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.splitlines() == ['"a","b"', '1,"x"']
    table = runner.invoke(app, ["sql", "SELECT 42 AS answer"])
    assert "answer" in table.output
    assert "42" in table.output


def test_sql_refuses_what_it_cannot_write(synced: SyncEnv, tmp_path: Path) -> None:
    no_file = runner.invoke(app, ["sql", "SELECT 1", "--format", "parquet"])
    assert no_file.exit_code == EXIT_USAGE
    assert "--output" in no_file.output
    unknown = runner.invoke(app, ["sql", "SELECT 1", "--output", str(tmp_path / "x.xlsx")])
    assert unknown.exit_code == EXIT_USAGE
    assert not (tmp_path / "x.xlsx").exists()
