"""The score report, rebuilt after every sync.

No `from __future__ import annotations` in asset modules: Dagster reads the annotations of
resource parameters at definition time.
"""

from datetime import UTC, datetime

import dagster as dg

from pipeline.reporting.report import default_report_path, write_report
from pipeline.reporting.summary import sync_summary
from pipeline.warehouse.resource import WarehouseResource


@dg.asset(
    deps=[
        "daily_scores",
        "weekly_scores",
        "job_scores",
        "session_settlement",
        "score_latency",
        "summary_reconciliation",
    ],
    kinds={"html"},
    group_name="reporting",
    description=(
        "A self-contained HTML report beside the warehouse (`<warehouse>.report.html`): score "
        "trends per agent and module, week-over-week changes per agent version, the status "
        "funnel of jobs, the reconciliation, and the sessions slowest to settle."
    ),
)
def score_report(warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    output = default_report_path(warehouse.path)
    with warehouse.open() as wh:
        data = write_report(wh, output, warehouse.path, datetime.now(UTC))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(output.resolve())),
            "bytes": output.stat().st_size,
            "summary": dg.MetadataValue.md(sync_summary(data)),
        }
    )
