"""Writing the report file: what the Dagster asset and `meibel-pipeline report` both call."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.exports.snapshots import write_atomically
from pipeline.reporting.data import ReportData, load_report_data
from pipeline.reporting.page import render_report
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse


def default_report_path(warehouse: str | Path) -> Path:
    """Beside the warehouse it describes: data/meibel.duckdb → data/meibel.report.html."""
    return Path(warehouse).with_suffix(".report.html")


def write_report(
    wh: DuckDBWarehouse, output: Path, warehouse: str | Path, generated_at: datetime
) -> ReportData:
    """Render the report from the marts and replace `output` whole (a viewer never sees half)."""
    data = load_report_data(wh)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, render_report(data, str(warehouse), generated_at))
    return data
