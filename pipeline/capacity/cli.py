"""`meibel-pipeline capacity`: the capacity model for given sizes (registered in cli/app.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from pipeline.capacity.model import Sizes
from pipeline.capacity.report import (
    DEFAULT_LATENCY,
    as_json,
    capacity,
    document,
    markdown,
    print_text,
)
from pipeline.ingest.assets import parse_verify_sessions
from pipeline.ingest.sync import DEFAULT_VERIFY_SESSIONS, SyncOptions


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def capacity_command(
    agents: Annotated[int, typer.Option(help="Agents (N).", min=0)] = 10,
    sessions: Annotated[int, typer.Option(help="Sessions each agent holds (S).", min=0)] = 1_000,
    jobs: Annotated[float, typer.Option(help="Scoring jobs per session (J).", min=0)] = 6.0,
    new_per_sync: Annotated[
        int, typer.Option(help="Sessions each agent starts between two syncs.", min=0)
    ] = Sizes.new_per_sync,
    unsettled_share: Annotated[
        float,
        typer.Option(
            help="Share of a sync's new sessions still unsettled at the next.", min=0, max=1
        ),
    ] = Sizes.unsettled_share,
    syncs_per_day: Annotated[int, typer.Option(min=1)] = Sizes.syncs_per_day,
    versions: Annotated[int, typer.Option(help="Agent versions per agent.", min=1)] = (
        Sizes.versions
    ),
    verify_sessions: Annotated[
        str, typer.Option(help="Session summaries reconciled per sync: all, none, or N.")
    ] = str(DEFAULT_VERIFY_SESSIONS),
    max_sessions_per_jobs_request: Annotated[int, typer.Option(min=1)] = (
        SyncOptions.max_sessions_per_jobs_request
    ),
    latency_ms: Annotated[
        float, typer.Option(help="One request's latency, for the parallel runs.", min=1)
    ] = DEFAULT_LATENCY.total_seconds() * 1000,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
    examples: Annotated[
        bool, typer.Option(help="Print docs/capacity.md (Markdown, worked examples) instead.")
    ] = False,
) -> None:
    """Requests per sync and per day against each rate-limit tier, and storage per month.

    Counted by the sync's own planner (pipeline/capacity), not by hand arithmetic.
    """
    if examples:
        typer.echo(document(), nl=False)
        return
    try:
        verify = parse_verify_sessions(verify_sessions)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--verify-sessions") from None
    sizes = Sizes(
        agents=agents,
        sessions=sessions,
        jobs=jobs,
        new_per_sync=new_per_sync,
        unsettled_share=unsettled_share,
        syncs_per_day=syncs_per_day,
        versions=versions,
        verify_sessions=verify,
        max_sessions_per_jobs_request=max_sessions_per_jobs_request,
    )
    result = capacity(sizes, timedelta(milliseconds=latency_ms))
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(as_json(result), indent=2))
    elif output_format is OutputFormat.MARKDOWN:
        typer.echo(markdown(result), nl=False)
    else:
        print_text(result, Console())
