"""The results as rich tables on the console and as one JSON file."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.scenarios import OURS, OURS_CLI, ScenarioResult, Settings


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def ratios(result: ScenarioResult, base: str) -> dict[str, dict[str, float | None]]:
    """Each other contender's time and requests divided by `base`'s: above 1, base wins."""
    ours = result.row(base)
    if ours is None:
        return {}
    return {
        row.contender: {
            "time": ratio(row.wall_s, ours.wall_s),
            "requests": ratio(row.requests, ours.requests),
        }
        for row in result.rows
        if row.contender != base
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _number(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}x"


def print_scenario(console: Console, result: ScenarioResult) -> None:
    table = Table(title=f"Scenario {result.key}: {result.title}", title_justify="left")
    for column in ("contender", "requests", "sess. summaries", "429s", "sim s", "wall s"):
        table.add_column(column, justify="left" if column == "contender" else "right")
    for column in ("process s", "peak MB", "jobs", "it/ours time", "it/ours requests", "note"):
        table.add_column(column, justify="left" if column == "note" else "right")
    against = ratios(result, OURS)
    for row in result.rows:
        r = against.get(row.contender, {})
        table.add_row(
            row.contender,
            _number(row.requests),
            _number(row.session_summaries),
            _number(row.rate_limited),
            _number(row.simulator_s),
            _number(row.wall_s),
            _number(row.process_s),
            _number(row.peak_mb, 0),
            _number(row.jobs),
            _times(r.get("time")),
            _times(r.get("requests")),
            row.note,
        )
    console.print(table)
    cli = ratios(result, OURS_CLI)
    shown = [
        f"{name}: time {_times(r['time'])}, requests {_times(r['requests'])}"
        for name, r in cli.items()
        if name != OURS
    ]
    if shown:
        console.print(f"  {OURS_CLI} against the others (it/CLI): " + "; ".join(shown))
    for target in result.targets:
        verdict = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[yellow]N/A[/]"}
        console.print(f"  {verdict[target.passed]}  {target.name}: {target.detail}")
    console.print()


def write_json(path: Path, settings: Settings, results: list[ScenarioResult]) -> None:
    payload = {
        "machine": machine(),
        "settings": dataclasses.asdict(settings),
        "scenarios": [
            {
                **dataclasses.asdict(result),
                "ratios_vs_ours": ratios(result, OURS),
                "ratios_vs_ours_cli": ratios(result, OURS_CLI),
            }
            for result in results
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
