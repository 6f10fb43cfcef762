"""The report's charts, each from one part of the report data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pipeline.reporting import svg
from pipeline.reporting.data import Row

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
MODULE_COLORS: dict[str, str] = {
    "correctness": "#0072B2",
    "coherence": "#E69F00",
    "faithfulness": "#009E73",
    "observed_consistency": "#CC79A7",
    "data_grounding": "#56B4E9",
}
OTHER_MODULE = "#999999"
STATUS_COLORS: dict[str, str] = {
    "completed": "#009E73",
    "failed": "#D55E00",
    "not_run": "#9CA3AF",
    "in_progress": "#E69F00",
    "submitted": "#F0E442",
    "other": "#6B7280",
}
GOOD, BAD, WAITING = "#0072B2", "#D55E00", "#E69F00"


@dataclass(frozen=True)
class Chart:
    key: str  # stable id: the page's figure id, what tests look for
    svg: str


def module_color(module: str) -> str:
    return MODULE_COLORS.get(module, OTHER_MODULE)


def score_trends(trends: list[Row]) -> list[Chart]:
    """One panel per agent: a line per module, daily mean on the 0-1 scale."""
    if not trends:
        return []
    days = (min(r["score_date"] for r in trends), max(r["score_date"] for r in trends))
    by_agent: dict[str, dict[str, svg.Series]] = defaultdict(dict)
    for r in trends:
        module = r["module"]
        series = by_agent[r["agent_name"]].setdefault(
            module, svg.Series(module, module_color(module))
        )
        day: date = r["score_date"]
        series.points.append(
            (
                day,
                r["mean_score_normalized"],
                f"{r['agent_name']} · {module} · {day:%a %d %b %Y}: "
                f"{r['mean_score']:.3g} raw, {r['mean_score_normalized']:.2f} on 0-1 "
                f"({r['n_scored']} scores)",
            )
        )
    return [
        Chart(
            f"trend-{i}",
            svg.line_chart(agent, sorted(series.values(), key=lambda s: s.name), days),
        )
        for i, (agent, series) in enumerate(sorted(by_agent.items()))
    ]


def version_changes(rows: list[Row]) -> Chart | None:
    if not rows:
        return None
    week: date = rows[0]["week_start"]
    bars = [
        svg.Bar(
            label=f"{r['agent_name']} {r['agent_version']} · {r['module']}",
            value=r["change_normalized"],
            color=BAD if r["change_normalized"] < 0 else GOOD,
            tooltip=(
                f"{r['agent_name']} {r['agent_version']} {r['module']}: "
                f"{r['prev_week_mean_score']:.3g} → {r['mean_score']:.3g} "
                f"({r['prev_week_n_scored']} → {r['n_scored']} scores)"
            ),
            note=f"{r['change_vs_prev_week']:+.3g}",
        )
        for r in rows
    ]
    return Chart(
        "version-changes",
        svg.bar_chart(f"Change in mean score, week of {week:%d %b %Y} vs the week before", bars),
    )


FUNNEL_STEPS = (
    ("jobs", "Scoring jobs"),
    ("settled", "Settled"),
    ("completed", "Completed"),
    ("scored", "Scored"),
)


def status_funnel(rows: list[Row]) -> list[Chart]:
    if not rows:
        return []
    totals = {key: sum(r[key] for r in rows) for key, _ in FUNNEL_STEPS}
    first = totals["jobs"] or 1
    funnel = svg.bar_chart(
        "Status funnel, all agents",
        [
            svg.Bar(
                label=label,
                value=totals[key],
                color=STATUS_COLORS["completed"] if key != "jobs" else GOOD,
                tooltip=f"{label}: {totals[key]:,} of {first:,} jobs",
                note=f"{totals[key]:,} ({totals[key] / first:.0%})",
            )
            for key, label in FUNNEL_STEPS
        ],
        label_width=140,
    )
    statuses = [s for s in STATUS_COLORS if any(r[s] for r in rows)]
    by_agent = svg.stacked_bar_chart(
        "Jobs by status, per agent",
        [
            (r["agent_name"], [svg.Segment(s, r[s], STATUS_COLORS[s]) for s in statuses])
            for r in rows
        ],
    )
    return [Chart("status-funnel", funnel), Chart("status-by-agent", by_agent)]


def reconciliation(rows: list[Row]) -> Chart | None:
    if not rows:
        return None
    return Chart(
        "reconciliation",
        svg.stacked_bar_chart(
            "Summaries compared with the API's, per level",
            [
                (
                    r["level"],
                    [
                        svg.Segment("match", r["compared"] - r["mismatched"], GOOD),
                        svg.Segment("differ", r["mismatched"], BAD),
                    ],
                )
                for r in rows
            ],
            label_width=120,
        ),
    )


def slowest_sessions(rows: list[Row]) -> Chart | None:
    if not rows:
        return None
    bars = []
    for r in rows:
        waiting = not r["is_settled"]
        state = f"still waiting for {', '.join(r['pending_modules'])}" if waiting else "all scored"
        bars.append(
            svg.Bar(
                label=f"{r['agent_name']} · {r['session_id'][:8]}",
                value=r["wait_seconds"],
                color=WAITING if waiting else GOOD,
                tooltip=(
                    f"session {r['session_id']} ({r['agent_name']} {r['agent_version']}), "
                    f"ended {r['end_time']:%Y-%m-%d %H:%M} UTC: {state}, "
                    f"{r['n_pending']} of {r['n_jobs']} jobs pending"
                ),
                note=svg.duration(r["wait_seconds"]) + (" and counting" if waiting else ""),
            )
        )
    return Chart(
        "slowest-sessions",
        svg.bar_chart(
            "Time from session end until its last score arrived",
            bars,
            value_format="duration",
        ),
    )
