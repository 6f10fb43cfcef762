"""Terminal output: tables of rows, reconciliation results, one-line errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from pipeline.cli.run_sync import SyncOutcome

console = Console()
errors = Console(stderr=True)

MAX_ROWS = 200


def arrow_table(result: pa.Table, max_rows: int = MAX_ROWS) -> None:
    table = Table(show_lines=False, header_style="bold")
    numeric = {
        f.name for f in result.schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
    }
    for name in result.column_names:
        table.add_column(name, justify="right" if name in numeric else "left")
    for row in result.slice(0, max_rows).to_pylist():
        table.add_row(*(_cell(value) for value in row.values()))
    console.print(table)
    shown = min(result.num_rows, max_rows)
    cut = "" if shown == result.num_rows else f", first {shown} shown"
    console.print(f"[dim]{result.num_rows} rows{cut}[/]")


def sync_outcome(outcome: SyncOutcome) -> None:
    facts = outcome.sync_facts
    if facts:
        modes = ", ".join(f"{n} {mode}" for mode, n in facts.get("agents_by_mode", {}).items())
        console.print(
            f"Agents: {modes or 'none'}. Sessions touched: {facts.get('sessions_touched', 0):,}, "
            f"summaries verified: {facts.get('sessions_verified', 0):,}. "
            f"API requests: {facts.get('api_requests_this_sync', 0):,}."
        )
        if facts.get("quarantined_this_sync"):
            console.print(
                f"[yellow]{facts['quarantined_this_sync']} records fit no schema[/] and were "
                "set aside in table quarantine; everything else loaded."
            )
        if facts.get("agents_deferred"):
            console.print(
                f"[yellow]Request budget or rate-limit quota spent:[/] agents "
                f"{facts['agents_deferred']} were not reached; the next sync carries on with them."
            )
    if outcome.row_counts:
        loaded = Table(title="Warehouse", header_style="bold")
        loaded.add_column("table")
        loaded.add_column("rows", justify="right")
        for name, rows in outcome.row_counts.items():
            loaded.add_row(name, f"{rows:,}")
        console.print(loaded)
    if outcome.reconciliation:
        rec = Table(title="Reconciliation against the API's summaries", header_style="bold")
        for column in ("level", "compared", "mismatched"):
            rec.add_column(column, justify="left" if column == "level" else "right")
        for level in outcome.reconciliation:
            style = "red" if level.mismatched else "green"
            rec.add_row(level.level, f"{level.compared:,}", f"[{style}]{level.mismatched:,}[/]")
        console.print(rec)
    if outcome.mismatches:
        console.print("[bold red]First mismatches[/] (all in table summary_reconciliation):")
        arrow_table(pa.Table.from_pylist(outcome.mismatches))
    for check in outcome.warned_checks:
        console.print(f"[yellow]warning:[/] check {check} did not pass")


def error(message: str) -> None:
    # One line, never wrapped: scripts and log scrapers read it whole.
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def _cell(value: Any) -> str:
    if value is None:
        return "[dim]NULL[/]"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return str(list(value))
    return str(value)
