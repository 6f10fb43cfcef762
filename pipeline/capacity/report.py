"""The capacity model for given sizes as tables: printed with rich, as Markdown, or as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.capacity.limits import (
    DUCKDB_BYTES_PER_JOB,
    DUCKDB_BYTES_PER_SESSION,
    PARQUET_BYTES_PER_JOB,
    PARQUET_BYTES_PER_SESSION,
    RATE_TIERS,
    StorageGrowth,
    TierFit,
    storage_growth,
    tier_fit,
)
from pipeline.capacity.model import (
    ENDPOINTS,
    SYNC_KINDS,
    RequestModel,
    Sizes,
    SyncKind,
    request_model,
)

DEFAULT_LATENCY = timedelta(milliseconds=250)
EXAMPLES: tuple[Sizes, ...] = (
    Sizes(agents=10, sessions=1_000, jobs=6),
    Sizes(agents=100, sessions=10_000, jobs=6),
    Sizes(agents=1_000, sessions=100_000, jobs=6),
)
KIND_TITLES: dict[SyncKind, str] = {
    "backfill": "first backfill",
    "incremental": "incremental",
    "full_refresh": "full refresh",
}


@dataclass(frozen=True)
class Capacity:
    model: RequestModel
    tiers: list[TierFit]
    storage: StorageGrowth
    latency: timedelta


@dataclass(frozen=True)
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]


def capacity(sizes: Sizes, latency: timedelta = DEFAULT_LATENCY) -> Capacity:
    model = request_model(sizes)
    tiers = [tier_fit(model, tier, latency) for tier in RATE_TIERS]
    return Capacity(model, tiers, storage_growth(model), latency)


def heading(sizes: Sizes) -> str:
    return f"{sizes.agents:,} agents × {sizes.sessions:,} sessions × {sizes.jobs:g} jobs"


def assumptions(cap: Capacity) -> str:
    s, config = cap.model.sizes, cap.model.config
    return (
        f"{s.new_per_sync:,} new sessions per agent per sync, {s.unsettled_share:.0%} of them "
        f"unsettled at the next; {s.syncs_per_day} syncs a day; {s.versions} versions per agent; "
        f"verify_sessions={s.verify_sessions}; "
        f"max_sessions_per_jobs_request={s.max_sessions_per_jobs_request:,}; "
        f"page_size={config.page_size}; max_in_flight={config.max_in_flight}; "
        f"latency {cap.latency.total_seconds() * 1000:g} ms."
    )


def sections(cap: Capacity) -> list[Section]:
    model = cap.model
    requests = Section(
        "Requests per sync",
        ["endpoint", *(KIND_TITLES[k] for k in SYNC_KINDS)],
        [
            [endpoint, *(f"{model.per_sync[k][endpoint]:,}" for k in SYNC_KINDS)]
            for endpoint in ENDPOINTS
        ]
        + [["total", *(f"{model.total(k):,}" for k in SYNC_KINDS)]]
        + [["per day (incremental)", "", f"{model.per_day:,}", ""]],
    )
    tiers = Section(
        "Against each rate-limit tier (per key); least wall time of each sync",
        [
            "tier",
            "fits",
            "backfill",
            "incremental",
            "full refresh",
            "max syncs/day",
            "backfill days",
            "parallel runs",
        ],
        [
            [
                fit.tier.name,
                "yes" if fit.fits else "no",
                *(_duration(fit.wall_time[k]) for k in SYNC_KINDS),
                f"{fit.max_syncs_per_day:,}",
                f"{fit.backfill_days:,}",
                f"{fit.parallel_runs:,}",
            ]
            for fit in cap.tiers
        ],
    )
    growth = cap.storage
    storage = Section(
        "Storage growth per month",
        ["store", "per session", "per job", "per month"],
        [
            [
                "DuckDB warehouse",
                _bytes(DUCKDB_BYTES_PER_SESSION),
                _bytes(DUCKDB_BYTES_PER_JOB),
                _bytes(growth.duckdb_bytes),
            ],
            [
                f"Parquet exports (one snapshot; {growth.parquet_snapshots_kept} kept on disk)",
                _bytes(PARQUET_BYTES_PER_SESSION),
                _bytes(PARQUET_BYTES_PER_JOB),
                _bytes(growth.parquet_bytes),
            ],
        ],
    )
    return [requests, tiers, storage]


def markdown(cap: Capacity, level: int = 2) -> str:
    lines = [f"{'#' * level} {heading(cap.model.sizes)}", "", assumptions(cap), ""]
    for section in sections(cap):
        lines += [f"{'#' * (level + 1)} {section.title}", ""]
        lines.append("| " + " | ".join(section.headers) + " |")
        lines.append("|" + "|".join("---" for _ in section.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


def as_json(cap: Capacity) -> dict[str, Any]:
    model = cap.model
    return {
        "sizes": asdict(model.sizes),
        "page_size": model.config.page_size,
        "max_in_flight": model.config.max_in_flight,
        "latency_s": cap.latency.total_seconds(),
        "requests_per_sync": {k: dict(model.per_sync[k]) for k in SYNC_KINDS},
        "requests_per_day": model.per_day,
        "tiers": [
            {
                "tier": asdict(fit.tier),
                "fits": fit.fits,
                "wall_time_s": {k: fit.wall_time[k].total_seconds() for k in SYNC_KINDS},
                "max_syncs_per_day": fit.max_syncs_per_day,
                "backfill_days": fit.backfill_days,
                "parallel_runs": fit.parallel_runs,
            }
            for fit in cap.tiers
        ],
        "storage_per_month": asdict(cap.storage),
    }


def print_text(cap: Capacity, console: Console) -> None:
    console.print(f"[bold]{heading(cap.model.sizes)}[/]")
    console.print(f"[dim]{assumptions(cap)}[/]")
    for section in sections(cap):
        table = Table(title=section.title, title_justify="left", header_style="bold")
        for index, header in enumerate(section.headers):
            first = index == 0
            table.add_column(header, justify="left" if first else "right", no_wrap=first)
        for row in section.rows:
            table.add_row(*row)
        console.print(table)


def _duration(value: timedelta) -> str:
    minutes = value.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:,.1f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:,.1f} h"
    return f"{minutes / 1440:,.1f} days"


def _bytes(value: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


DOCUMENT_INTRO = """\
# Capacity

What a deployment of this pipeline costs in API requests and storage, for given sizes.
Generated by `meibel-pipeline capacity --examples --format markdown > docs/capacity.md`; for
other sizes run `meibel-pipeline capacity --agents N --sessions S --jobs J` (see `--help`).
A test fails when this file differs from what the command prints.

## Where the figures come from

Requests are not computed from formulas written for this document. For each agent the model
(`pipeline/capacity/model.py`) builds what a sync would meet (the sessions the warehouse
holds, the newest-first listing the API serves) and replays the sync's decisions through the
sync's own code:

- how far back each agent's listing is read: `sessions_plan` (`pipeline/ingest/plan.py`), with
  the sync's default lookback, and the pages that costs at `ClientConfig.page_size`, stopping
  where `MeibelClient` stops (at the first page reaching back that far);
- which sessions a sync touches (all for a backfill or a full refresh; new and unsettled ones
  otherwise) and the jobs requests for them: `jobs_plan` (`pipeline/ingest/plan.py`) with the
  `max_sessions_per_jobs_request` given;
- one agent summary per agent, and the session summaries the sync's own verification budget
  (`SyncOptions.verify_sessions`, shared between agents) grants.

`tests/capacity` checks the model against real syncs of the simulator: a first sync and an
incremental one after the simulated world moved on make exactly the requests the model counts,
endpoint by endpoint.

## What it assumes

- Every agent alike: one agent is planned and counted N times, so a million sessions are
  never built.
- Sessions arrive evenly between syncs; the history ran the agent's versions one after
  another in equal blocks, and new sessions run the newest version. No session stays
  `RUNNING` longer than the lookback (such a session would widen the incremental read).
- A share of each sync's new sessions is still unsettled (scores pending) at the next sync,
  and read again by it; every other session is settled, and settled sessions' jobs do not
  change.
- The scheduled syncs are incremental; a backfill and a full refresh are one-off.
- Rate-limit tiers are those listed in the issue "Outgrowing one machine" (60, 120 and 300
  requests a minute; 1,000, 5,000 and 10,000 a day, per key). `contract/README.md` names only
  Free (60/min, 1,000/day) and Pro (300/min, 10,000/day): check them against the account.
- *Least wall time* is requests ÷ the per-minute limit; latency, the lookback and Dagster's
  own steps come on top. A schedule *fits* when its daily requests are within the daily quota
  and each incremental sync's least wall time within its interval. *Parallel runs* is the
  per-minute limit ÷ what one run can send (`max_in_flight` requests open, each taking the
  latency), at least 1: how many runs (e.g. per-agent partitioned runs) may share one key.
- Storage per session and per job was measured by syncing a simulated world into DuckDB and
  exporting it (`python -m pipeline.capacity.measure`; constants and date in
  `pipeline/capacity/limits.py`). Growth is new sessions a month × (bytes per session +
  jobs × bytes per job); history versions beyond the first, which each status change a sync
  sees adds, are not in the measured constants.
"""


def document() -> str:
    examples = "\n".join(markdown(capacity(sizes), level=3) for sizes in EXAMPLES)
    return f"{DOCUMENT_INTRO}\n## Worked examples\n\n{examples}"
