"""`./dev bench`: our sync against dlt's rest_api source, the official SDK and the floor.

Every scenario runs the simulator in a process of its own and every contender in another, so
that neither shares a GIL with the other; see benchmarks/README.md for what is measured how.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from benchmarks import report, scenarios
from benchmarks.scenarios import Bench, ScenarioResult, Settings

ALL = "1,2,3,4,5,6"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option(help="Tiny worlds: every scenario and contender in about a minute.")
    ] = False,
    scale: Annotated[
        float, typer.Option(help="Multiply every session and job count by this.")
    ] = 1.0,
    only: Annotated[str, typer.Option(help="The scenarios to run, e.g. 1,2,3.")] = ALL,
    output: Annotated[Path, typer.Option(help="Where the machine-readable results go.")] = Path(
        "data/bench/results.json"
    ),
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the warehouses here (default: a temporary folder, removed)."),
    ] = None,
    peer_timeout: Annotated[
        float | None, typer.Option(help="Stop a peer after this many seconds.")
    ] = None,
    verify_sessions: Annotated[
        int | None, typer.Option(help="Session summaries ours reconciles per sync (1-3, 5).")
    ] = None,
    rate_verify_sessions: Annotated[
        int | None, typer.Option(help="Session summaries ours reconciles in scenario 4.")
    ] = None,
    width: Annotated[int, typer.Option(help="Console width for the tables.")] = 190,
) -> None:
    """Run the scenarios and print, per scenario, every contender's figures and the targets."""
    settings = Settings.quick() if quick else Settings()
    if scale != 1.0:
        settings = settings.scaled(scale)
    if peer_timeout is not None:
        settings = replace(settings, peer_timeout_s=peer_timeout)
    if verify_sessions is not None:
        settings = replace(settings, verify=verify_sessions)
    if rate_verify_sessions is not None:
        settings = replace(settings, rate_verify=rate_verify_sessions)
    wanted = {part.strip() for part in only.split(",") if part.strip()}
    console = Console(width=width)
    with tempfile.TemporaryDirectory(prefix="meibel-bench-") as temporary:
        bench_dir = workdir or Path(temporary)
        run = Bench(settings, bench_dir)
        results: list[ScenarioResult] = []

        def done(result: ScenarioResult) -> None:
            results.append(result)
            report.print_scenario(console, result)
            report.write_json(output, settings, results)

        first: ScenarioResult | None = None
        chained = wanted & {"1", "2", "3"}
        if chained:
            for result in scenarios.incremental_scenarios(run, int(max(chained))):
                first = first or result
                if result.key in wanted:
                    done(result)
        if "4" in wanted:
            done(scenarios.rate_limit_scenario(run))
        if "5" in wanted:
            big = scenarios.scale_scenario(run)
            if first is not None:
                jobs = int(big.facts.get("jobs_in_world", 0))
                big.rows.extend(scenarios.peers_extrapolated(first, jobs))
            done(big)
        if "6" in wanted:
            done(scenarios.summaries_scenario(run))
    console.print(f"Machine: {report.machine()}")
    console.print(f"Results: {output}")


if __name__ == "__main__":
    app()
