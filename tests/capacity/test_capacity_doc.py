"""docs/capacity.md is what `meibel-pipeline capacity --examples --format markdown` prints now."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.capacity.report import document
from pipeline.cli.app import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "capacity.md"


def test_the_committed_doc_is_what_the_command_prints() -> None:
    result = CliRunner().invoke(app, ["capacity", "--examples", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == document()
    assert DOC.read_text(encoding="utf-8") == result.output, (
        "docs/capacity.md is out of date: run "
        "`meibel-pipeline capacity --examples --format markdown > docs/capacity.md`"
    )


def test_the_command_prints_the_model_for_given_sizes() -> None:
    args = ["capacity", "--agents", "100", "--sessions", "10000", "--jobs", "6"]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    model = json.loads(result.output)
    incremental = model["requests_per_sync"]["incremental"]
    # Per agent: a page of sessions, one jobs request, its summary; the agents listing once.
    assert (incremental["agents"], incremental["agent_summary"]) == (1, 100)
    assert model["requests_per_day"] == sum(incremental.values()) * 24
    assert [t["tier"]["per_minute"] for t in model["tiers"]] == [60, 120, 300]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Requests per sync" in text.output
