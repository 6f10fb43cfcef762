"""Everything the report shows, read from the marts in one go (sql/report/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.marts.catalog import MART_NAMES
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

Row = dict[str, Any]

VERSION_CHANGES = 12
SLOWEST_SESSIONS = 15
MISMATCH_SAMPLE = 10


@dataclass(frozen=True)
class ReportData:
    overview: Row
    trends: list[Row]
    version_changes: list[Row]
    status_funnel: list[Row]
    reconciliation: list[Row]
    mismatches: list[Row]
    slowest_sessions: list[Row]
    latency: list[Row]


class MissingMartsError(RuntimeError):
    """The warehouse predates the marts: a sync (which creates them) has to run first."""


def load_report_data(wh: DuckDBWarehouse) -> ReportData:
    (check,) = wh.rows("report/missing_marts", {"names": list(MART_NAMES)})
    if check["missing"]:
        raise MissingMartsError(
            f"the warehouse lacks {', '.join(check['missing'])}: run a sync, which creates them"
        )
    (overview,) = wh.rows("report/overview")
    return ReportData(
        overview=overview,
        trends=wh.rows("report/trends"),
        version_changes=wh.rows("report/version_changes", {"limit": VERSION_CHANGES}),
        status_funnel=wh.rows("report/status_funnel"),
        reconciliation=wh.rows("checks/reconciliation_totals"),
        mismatches=wh.rows("checks/reconciliation_mismatches", {"limit": MISMATCH_SAMPLE}),
        slowest_sessions=wh.rows("report/slowest_sessions", {"limit": SLOWEST_SESSIONS}),
        latency=wh.rows("report/latency"),
    )
