"""The report as one self-contained HTML page: inline CSS, inline SVG, no script."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.reporting import charts, svg
from pipeline.reporting.data import ReportData

_ENV = Environment(
    loader=PackageLoader("pipeline.reporting", "templates"),
    # Agent names and the like come from the API: escaped everywhere unless marked safe.
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _safe(chart: charts.Chart | None) -> charts.Chart | None:
    # The SVG is built (and its text escaped) in pipeline/reporting/svg.py.
    return None if chart is None else charts.Chart(chart.key, Markup(chart.svg))  # noqa: S704


def _duration(seconds: float | None) -> str:
    return "" if seconds is None else svg.duration(seconds)


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def render_report(data: ReportData, warehouse: str, generated_at: datetime) -> str:
    trends = [_safe(c) for c in charts.score_trends(data.trends)]
    modules = sorted({r["module"] for r in data.trends})
    statuses = [s for s in charts.STATUS_COLORS if any(r[s] for r in data.status_funnel)]
    return _ENV.get_template("report.html.j2").render(
        generated_at=_when(generated_at),
        warehouse=warehouse,
        overview=data.overview,
        last_synced=_when(data.overview["last_synced_at"]),
        trends=trends,
        legend=[(m, charts.module_color(m)) for m in modules],
        version_chart=_safe(charts.version_changes(data.version_changes)),
        version_changes=data.version_changes,
        funnel=[_safe(c) for c in charts.status_funnel(data.status_funnel)],
        status_legend=[(s.replace("_", " "), charts.STATUS_COLORS[s]) for s in statuses],
        reconciliation_chart=_safe(charts.reconciliation(data.reconciliation)),
        mismatches=data.mismatches,
        slowest_chart=_safe(charts.slowest_sessions(data.slowest_sessions)),
        latency=data.latency,
        duration=_duration,
    )
