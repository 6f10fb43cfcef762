"""A few lines of Markdown on the latest sync, for the Dagster UI."""

from __future__ import annotations

from pipeline.reporting.data import ReportData


def sync_summary(data: ReportData) -> str:
    o = data.overview
    lines = [
        f"**Last sync** {o['last_synced_at']:%Y-%m-%d %H:%M} UTC"
        if o["last_synced_at"]
        else "**No sync yet**",
        "",
        f"- {o['agents']:,} agents, {o['sessions']:,} sessions, {o['jobs']:,} scoring jobs "
        f"({o['scored_jobs']:,} scored, {o['pending_jobs']:,} pending)",
        f"- sessions from {o['first_day']} to {o['last_day']} (UTC)"
        if o["first_day"]
        else "- no sessions yet",
        f"- reconciliation: {o['summaries_mismatched']:,} of {o['summaries_compared']:,} "
        "summaries differ from the API's",
    ]
    drops = [r for r in data.version_changes if r["change_vs_prev_week"] < 0][:3]
    if drops:
        lines += ["", f"**Largest drops, week of {drops[0]['week_start']}**", ""]
        lines += [
            f"- {r['agent_name']} {r['agent_version']} · {r['module']}: "
            f"{r['prev_week_mean_score']:.3g} → {r['mean_score']:.3g}"
            for r in drops
        ]
    waiting = [r for r in data.slowest_sessions if not r["is_settled"]]
    if waiting:
        lines += ["", f"- {len(waiting)} ended sessions among the slowest still wait for scores"]
    return "\n".join(lines)
