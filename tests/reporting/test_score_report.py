"""The score report in real headless Chromium: it loads with no console error and fetches
nothing, every chart is drawn, and a screenshot is kept. Plus `meibel-pipeline report`."""

from __future__ import annotations

import struct
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app
from pipeline.reporting.report import default_report_path
from tests.e2e.sync_env import SyncEnv
from tests.reporting import cdp

SINGLE_CHARTS = (
    "version-changes",
    "status-funnel",
    "status-by-agent",
    "reconciliation",
    "slowest-sessions",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.timeout(900)  # the first run may install Chromium
def test_the_report_renders_in_headless_chromium(
    synced: SyncEnv, chromium: Path, tmp_path: Path
) -> None:
    # The sync's score_report asset wrote it beside the warehouse, and said where.
    report = default_report_path(synced.warehouse)
    events = synced.instance.fetch_materializations(dg.AssetKey("score_report"), limit=1)
    (record,) = events.records
    materialization = record.asset_materialization
    assert materialization is not None
    assert materialization.metadata["path"].value == str(report.resolve())
    assert "reconciliation" in str(materialization.metadata["summary"].value)

    with cdp.launch(chromium, tmp_path / "profile") as browser:
        page = cdp.load_page(browser, report.as_uri())

    shot = tmp_path / "report.png"
    shot.write_bytes(page.screenshot)
    cdp.SCREENSHOTS.append(shot)
    print(f"report screenshot: {shot}")

    assert page.errors == []
    assert page.requests == [report.as_uri()]  # self-contained: nothing else was fetched
    marks = {f["id"]: f["marks"] for f in page.figures}
    with synced.open() as wh:
        agents = wh.query(
            "SELECT count(DISTINCT agent_name) AS n FROM daily_scores WHERE n_scored > 0"
        ).to_pylist()[0]["n"]
        funnel = wh.query("SELECT count(DISTINCT agent_name) AS n FROM job_scores").to_pylist()
    trend_panels = [key for key in marks if key.startswith("trend-")]
    assert len(trend_panels) == agents > 0
    assert all(marks[key] > 0 for key in trend_panels)
    for key in SINGLE_CHARTS:
        assert marks.get(key, 0) > 0, f"chart {key} has no marks: {marks}"
    assert marks["status-funnel"] == 4  # jobs, settled, completed, scored
    assert marks["status-by-agent"] >= funnel[0]["n"]
    assert all(f["width"] > 200 and f["height"] > 100 for f in page.figures)
    width, height = png_size(page.screenshot)
    assert width == 1100
    assert height > 2000  # the whole page, not one viewport


def test_report_command_writes_the_page_from_the_warehouse(synced: SyncEnv, tmp_path: Path) -> None:
    output = tmp_path / "nested" / "scores.html"
    result = CliRunner().invoke(app, ["report", "--output", str(output)])
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    for key in SINGLE_CHARTS:
        assert f'id="{key}"' in html
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://', "")
