"""The request model set against the API's rate-limit tiers, and storage growth per month."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pipeline.capacity.model import SYNC_KINDS, RequestModel, SyncKind
from pipeline.exports.snapshots import KEEP


@dataclass(frozen=True)
class RateTier:
    name: str
    per_minute: int
    per_day: int


# The API's published limits per key as the issue "Outgrowing one machine" lists them;
# contract/README.md names only Free (60/min, 1,000/day) and Pro (300/min, 10,000/day), and
# Enterprise is custom. Check them against the account's plan before relying on a figure.
RATE_TIERS: tuple[RateTier, ...] = (
    RateTier("60/min · 1,000/day", 60, 1_000),
    RateTier("120/min · 5,000/day", 120, 5_000),
    RateTier("300/min · 10,000/day", 300, 10_000),
)

# Measured, not guessed, on 2026-11-23 with
#   .venv/bin/python -m pipeline.capacity.measure 8 2000 6
# (8 agents x 2,000 sessions x 6 jobs, one sync with the default settings). Job-grain tables
# and exports (scoring_jobs, scoring_job_history, job_scores) are divided by the jobs; the
# rest (sessions, summaries, marts, the file's own overhead) by the sessions.
# It printed 16,000 sessions, 95,704 jobs and the four constants below (rounded to the byte).
DUCKDB_BYTES_PER_SESSION = 2_770.0
DUCKDB_BYTES_PER_JOB = 77.0
PARQUET_BYTES_PER_SESSION = 2_474.0
PARQUET_BYTES_PER_JOB = 114.0
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class TierFit:
    tier: RateTier
    # The schedule's incremental syncs fit both the daily quota and their interval.
    fits: bool
    # The least time a sync can take when the per-minute limit is the only bound.
    wall_time: Mapping[SyncKind, timedelta]
    # As many incremental syncs a day as the daily quota allows.
    max_syncs_per_day: int
    # Days of the daily quota the first backfill spends.
    backfill_days: int
    # Runs (e.g. per-agent partitioned runs) that may share the key without exceeding the
    # per-minute limit, each sending at its client's full rate.
    parallel_runs: int


def tier_fit(model: RequestModel, tier: RateTier, latency: timedelta) -> TierFit:
    wall_time = {
        kind: timedelta(minutes=model.total(kind) / tier.per_minute) for kind in SYNC_KINDS
    }
    incremental = model.total("incremental")
    # A run keeps max_in_flight requests open, each taking `latency`.
    run_per_minute = model.config.max_in_flight * (timedelta(minutes=1) / latency)
    return TierFit(
        tier=tier,
        fits=model.per_day <= tier.per_day
        and wall_time["incremental"] <= model.sizes.sync_interval,
        wall_time=wall_time,
        # An incremental sync lists the agents at least, so never costs nothing.
        max_syncs_per_day=tier.per_day // incremental,
        backfill_days=math.ceil(model.total("backfill") / tier.per_day),
        parallel_runs=max(1, math.floor(tier.per_minute / run_per_minute)),
    )


@dataclass(frozen=True)
class StorageGrowth:
    sessions_per_month: int
    jobs_per_month: float
    duckdb_bytes: float
    # One export snapshot; KEEP of them are on disk while the previous stays for its readers.
    parquet_bytes: float
    parquet_snapshots_kept: int


def storage_growth(model: RequestModel) -> StorageGrowth:
    sizes = model.sizes
    sessions = sizes.agents * sizes.new_per_sync * sizes.syncs_per_day * DAYS_PER_MONTH
    jobs = sessions * sizes.jobs
    return StorageGrowth(
        sessions_per_month=sessions,
        jobs_per_month=jobs,
        duckdb_bytes=sessions * DUCKDB_BYTES_PER_SESSION + jobs * DUCKDB_BYTES_PER_JOB,
        parquet_bytes=sessions * PARQUET_BYTES_PER_SESSION + jobs * PARQUET_BYTES_PER_JOB,
        parquet_snapshots_kept=KEEP,
    )
