"""`meibel-pipeline`: sync, demo, simulate, sql, report and docs."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from unittest import mock

import duckdb
import typer
from rich.logging import RichHandler

from pipeline.capacity.cli import capacity_command
from pipeline.cli import render
from pipeline.cli.errors import explain
from pipeline.cli.result_files import ResultFormat, format_for, write_result
from pipeline.cli.run_sync import (
    NoWarehouseError,
    SyncOutcome,
    read_warehouse,
    run_sync_job,
)
from pipeline.ingest.sync import DEFAULT_VERIFY_SESSIONS
from pipeline.reporting.data import MissingMartsError
from pipeline.reporting.dictionary_doc import render_dictionary
from pipeline.reporting.report import default_report_path, write_report
from pipeline.resources import ENV_API_KEY, ENV_BASE_URL, ENV_EXPORT_DIR, ENV_WAREHOUSE
from pipeline.simulator import SimulatorConfig, SimulatorServer
from pipeline.simulator.faults import FAULT_PROFILES
from pipeline.simulator.server import serve
from pipeline.warehouse.backends import (
    ENV_BACKEND,
    ENV_ICEBERG_CATALOG,
    ENV_ICEBERG_DIR,
    BackendName,
    WarehouseSettings,
)
from pipeline.warehouse.dictionary import reference_dictionary

app = typer.Typer(
    help="Sync Meibel confidence scores into a DuckDB warehouse, verified against the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MISMATCH = 3
# The demo's own Iceberg catalog: a name no pyiceberg configuration gives, so always embedded.
DEMO_CATALOG = "meibel_demo"

Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show Dagster's event log too.")]


def _logging(verbose: bool) -> None:
    # Our own progress at INFO; libraries (httpx logs every URL, alembic its migrations) only
    # speak up when something is wrong, unless asked to.
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=render.errors, show_path=False, markup=False)],
    )
    logging.getLogger("pipeline").setLevel(logging.INFO)


@app.command()
def sync(
    verify_sessions: Annotated[
        str,
        typer.Option(help="Touched sessions whose API summary is reconciled: all, none, or N."),
    ] = str(DEFAULT_VERIFY_SESSIONS),
    allow_mismatch: Annotated[
        bool, typer.Option(help="Exit 0 even when a summary differs from the API's.")
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(help="Re-read everything; mark what the API no longer returns as gone."),
    ] = False,
    max_requests: Annotated[
        int | None,
        typer.Option(
            help="Spend at most this many API requests; the next sync carries on from there."
        ),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Sync the API at MEIBEL_BASE_URL into MEIBEL_WAREHOUSE and reconcile its summaries.

    Incremental by default: reads what is new or not yet settled since the last sync.
    """
    _logging(verbose)
    if not os.environ.get(ENV_API_KEY):
        render.error(f"{ENV_API_KEY} is not set: export your Meibel API key first.")
        raise typer.Exit(EXIT_USAGE)
    config = {
        "verify_sessions": verify_sessions,
        "full_refresh": full_refresh,
        "max_requests": max_requests,
    }
    _finish(run_sync_job(config, verbose=verbose), allow_mismatch)


@app.command()
def demo(
    agents: Annotated[int, typer.Option(help="Agents in the simulated API.")] = 4,
    sessions: Annotated[int, typer.Option(help="Sessions per agent.")] = 40,
    jobs: Annotated[float, typer.Option(help="Mean scoring jobs per session.")] = 6.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated data.")] = 7,
    directory: Annotated[Path, typer.Option(help="Where the demo warehouse goes.")] = Path(
        "data/demo"
    ),
    backend: Annotated[
        BackendName,
        typer.Option(
            help="duckdb: one file. iceberg: Iceberg tables in an embedded catalog, an agent a run."
        ),
    ] = "duckdb",
    verbose: Verbose = False,
) -> None:
    """Start the API simulator, sync it into a fresh warehouse, and reconcile."""
    _logging(verbose)
    shutil.rmtree(directory, ignore_errors=True)
    config = SimulatorConfig(
        seed=seed, agents=agents, sessions_per_agent=sessions, jobs_per_session=jobs
    )
    with SimulatorServer(config) as simulator:
        # The settings hold for the demo's own run only (patch.dict puts them back after).
        settings = mock.patch.dict(
            os.environ,
            {
                ENV_BASE_URL: simulator.base_url,
                ENV_API_KEY: simulator.api_key,
                # The demo's warehouse is always a fresh one in `directory`, whatever is
                # configured: its Iceberg catalog is one no PYICEBERG_* setting names.
                ENV_BACKEND: backend,
                ENV_WAREHOUSE: str(directory / "meibel.duckdb"),
                ENV_ICEBERG_CATALOG: DEMO_CATALOG,
                ENV_ICEBERG_DIR: str(directory / "iceberg"),
                ENV_EXPORT_DIR: str(directory / "exports"),
            },
        )
        render.console.print(f"Simulated Meibel API at {simulator.base_url}")
        with settings:
            outcome = run_sync_job({"verify_sessions": "all"}, verbose=verbose)
    _finish(outcome, allow_mismatch=False)
    if backend == "iceberg":
        warehouse = directory / "iceberg"
        query_env = (
            f"{ENV_BACKEND}=iceberg {ENV_ICEBERG_CATALOG}={DEMO_CATALOG} "
            f"{ENV_ICEBERG_DIR}={warehouse}"
        )
    else:
        warehouse = directory / "meibel.duckdb"
        query_env = f"{ENV_WAREHOUSE}={warehouse}"
    render.console.print(
        f"Warehouse: {warehouse}   Parquet: {directory / 'exports'}/<table>/\n"
        f'Query it: {query_env} ./dev sql "FROM agent_score_summary"'
    )


@app.command()
def simulate(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    agents: Annotated[int, typer.Option(help="Agents.")] = 4,
    sessions: Annotated[int, typer.Option(help="Sessions per agent.")] = 500,
    jobs: Annotated[float, typer.Option(help="Mean scoring jobs per session.")] = 6.0,
    seed: Annotated[int, typer.Option(help="Seed of the data.")] = 7,
    api_key: Annotated[str, typer.Option(help="The key the simulator accepts.")] = "demo-key",
    latency: Annotated[float, typer.Option(help="Seconds added to every request.")] = 0.0,
    rate_429: Annotated[float, typer.Option(help="Share of requests answered 429.")] = 0.0,
    rate_503: Annotated[float, typer.Option(help="Share of requests answered 503.")] = 0.0,
    rate_drop: Annotated[
        float, typer.Option(help="Share of requests whose connection drops mid-body.")
    ] = 0.0,
    fault_profile: Annotated[
        str | None,
        typer.Option(help=f"A way to misbehave: {', '.join(FAULT_PROFILES)}."),
    ] = None,
    fault_rate: Annotated[
        float, typer.Option(help="Share of requests the fault profile hits.")
    ] = 0.1,
    rate_limit: Annotated[
        str | None,
        typer.Option(help='Per-key rolling-window limit, e.g. "60/minute" (default: none).'),
    ] = None,
) -> None:
    """Serve the Meibel API simulator until interrupted."""
    config = SimulatorConfig(
        seed=seed,
        agents=agents,
        sessions_per_agent=sessions,
        jobs_per_session=jobs,
        api_key=api_key,
        latency=latency,
        rate_429=rate_429,
        rate_503=rate_503,
        rate_drop=rate_drop,
        fault_profile=fault_profile,
        fault_rate=fault_rate,
        rate_limit=rate_limit,
    )
    render.console.print(f"Serving the simulated Meibel API at http://127.0.0.1:{port}/v2")
    serve(config, host="127.0.0.1", port=port)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="The SQL to run against the warehouse.")],
    max_rows: Annotated[int, typer.Option(help="Rows to print at most.")] = render.MAX_ROWS,
    fmt: Annotated[
        ResultFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table (printed), csv, json (one object per line) or parquet. "
            "Default: from --output's suffix, else table.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the whole result to this file."),
    ] = None,
) -> None:
    """Run a query on the warehouse (read-only): print it as a table, or write it out."""
    chosen = fmt or (format_for(output) if output else None) or ResultFormat.TABLE
    if chosen is ResultFormat.TABLE and output is not None:
        render.error(f"say which format to write {output} in: --format csv, json or parquet.")
        raise typer.Exit(EXIT_USAGE)
    if chosen is ResultFormat.PARQUET and output is None:
        render.error("parquet is written to a file: add --output PATH.")
        raise typer.Exit(EXIT_USAGE)
    try:
        with read_warehouse() as wh:
            result = wh.query(query)
    except NoWarehouseError as error:
        render.error(str(error))
        raise typer.Exit(EXIT_USAGE) from None
    except duckdb.Error as error:
        render.error(str(error).splitlines()[0])
        raise typer.Exit(EXIT_FAILED) from None
    if chosen is ResultFormat.TABLE:
        render.arrow_table(result, max_rows)
        return
    write_result(result, chosen, output)
    if output is not None:
        render.errors.print(f"{result.num_rows:,} rows written to {output}", highlight=False)


@app.command()
def report(
    output: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML. Default: <warehouse>.report.html."),
    ] = None,
) -> None:
    """Write the HTML score report from the current warehouse (read-only)."""
    settings = WarehouseSettings.from_env()
    target = output or default_report_path(settings.duckdb_path)
    try:
        with read_warehouse() as wh:
            write_report(wh, target, settings.location, datetime.now(UTC))
    except (NoWarehouseError, MissingMartsError) as error:
        render.error(str(error))
        raise typer.Exit(EXIT_USAGE) from None
    except duckdb.Error as error:
        render.error(str(error).splitlines()[0])
        raise typer.Exit(EXIT_FAILED) from None
    render.console.print(f"Report: {target}")


app.command(name="capacity")(capacity_command)


@app.command()
def docs(
    output: Annotated[Path, typer.Option(help="The Markdown file to write.")] = Path(
        "docs/data-dictionary.md"
    ),
    check: Annotated[
        bool, typer.Option(help="Write nothing; exit 1 if the file is not up to date.")
    ] = False,
) -> None:
    """Render the data dictionary (every table, view and column, described) to Markdown."""
    text = render_dictionary(reference_dictionary())
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            render.error(f"{output} is out of date: run `meibel-pipeline docs`.")
            raise typer.Exit(EXIT_FAILED)
        render.console.print(f"{output} is up to date.")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    render.console.print(f"Data dictionary: {output}")


def _finish(outcome: SyncOutcome, allow_mismatch: bool) -> None:
    if outcome.failure:
        render.error(f"sync failed: {explain(outcome.failure)}")
        raise typer.Exit(EXIT_FAILED)
    render.sync_outcome(outcome)
    if outcome.mismatched:
        message = (
            f"{outcome.mismatched} summaries differ from the API's (see summary_reconciliation)"
        )
        if not allow_mismatch:
            render.error(message)
            raise typer.Exit(EXIT_MISMATCH)
        render.console.print(f"[yellow]warning:[/] {message}")
    if outcome.failed_checks:
        render.error(f"checks failed: {', '.join(outcome.failed_checks)}")
        raise typer.Exit(EXIT_FAILED)
    render.console.print(f"[green]Sync complete[/] (run {outcome.run_id}).")


def main() -> None:
    app()
