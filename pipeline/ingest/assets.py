"""The tables read from the Meibel API, materialised together by one sync step.

No `from __future__ import annotations` in asset modules: Dagster reads the annotations of
config and resource parameters at definition time.
"""

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from pydantic import Field

from pipeline.api.client import MeibelClient
from pipeline.api.resource import MeibelApiResource
from pipeline.ingest.sync import (
    DEFAULT_VERIFY_SESSIONS,
    SyncOptions,
    SyncReport,
    VerifySessions,
    run_sync,
)
from pipeline.warehouse.dictionary import reference_dictionary
from pipeline.warehouse.metadata import table_metadata
from pipeline.warehouse.resource import WarehouseResource
from pipeline.warehouse.schemas import Table

API_POOL = "meibel_api"
AGENT_RUN_RETRIES = dg.RetryPolicy(
    max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
API_GROUP = "meibel_api"

# Progress goes to a plain logger: the CLI prints it, and dagster.yaml routes it to the run log.
progress = logging.getLogger("pipeline.sync")

# Tables the sync derives as it loads, committed in the same transactions as the loaded ones.
DERIVED: tuple[str, ...] = ("scoring_job_history", "api_agent_summary_job_ids", "sync_state")
TABLES: tuple[str, ...] = (*(table.value for table in Table), *DERIVED)


class SyncConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description=(
            "Re-read everything instead of what is new or unsettled; what the API no longer "
            "returns is marked gone."
        ),
    )
    lookback_minutes: float = Field(
        default=60,
        description="How far before the newest session held an incremental read still looks.",
    )
    verify_sessions: str = Field(
        default=str(DEFAULT_VERIFY_SESSIONS),
        description=(
            "Of the sessions a sync touches, those whose API summary is fetched to reconcile "
            "against: 'all', 'none' or a number (a random sample of at most that many per sync)."
        ),
    )
    max_sessions_per_jobs_request: int = Field(
        default=SyncOptions.max_sessions_per_jobs_request,
        description=(
            "The most sessions whose jobs one request may ask for: a larger agent's jobs are "
            "read version by version, or session by session."
        ),
    )
    agents_in_parallel: int = Field(default=4, description="Agents synced at once.")
    jobs_sessions_in_flight: int = Field(
        default=SyncOptions.jobs_sessions_in_flight,
        ge=1,
        description=(
            "Sessions whose jobs answers are in flight at once, across agents, each answer "
            "counting the sessions it covers: an answer is held whole while it is decoded, so "
            "this bounds the sync's memory. An answer larger than this goes alone."
        ),
    )
    max_requests: int | None = Field(
        default=None,
        description=(
            "Most API requests this sync may make. When spent, what finished is committed, the "
            "agents not reached are named, and the next sync carries on from there."
        ),
    )

    def options(self) -> SyncOptions:
        return SyncOptions(
            full_refresh=self.full_refresh,
            lookback=timedelta(minutes=self.lookback_minutes),
            verify_sessions=parse_verify_sessions(self.verify_sessions),
            max_sessions_per_jobs_request=self.max_sessions_per_jobs_request,
            agents_in_parallel=self.agents_in_parallel,
            jobs_sessions_in_flight=self.jobs_sessions_in_flight,
        )


def parse_verify_sessions(value: str) -> VerifySessions:
    if value in ("all", "none"):
        return value  # type: ignore[return-value]
    if value.isdigit():
        return int(value)
    raise ValueError(f"verify_sessions must be 'all', 'none' or a number, not {value!r}")


def api_tables_asset(partitions: dg.PartitionsDefinition | None = None) -> dg.AssetsDefinition:
    """The sync step: for every agent in one run, or (with `partitions`, keyed by agent id)
    for the run's agent only, so that agents sync in runs of their own."""

    @dg.multi_asset(
        name="meibel_api_tables",
        specs=[
            # Descriptions and column schemas come from the data dictionary (sql/schema/900_...).
            dg.AssetSpec(
                name,
                description=reference_dictionary()[name].description,
                kinds={"duckdb", "table"},
                metadata=table_metadata(name),
                group_name=API_GROUP,
            )
            for name in TABLES
        ],
        partitions_def=partitions,
        pool=API_POOL,
        # An agent's own run is retried on its own (a conflict past the backend's retries, a
        # pod lost); the one run of every agent is not, its next scheduled run carries on.
        retry_policy=AGENT_RUN_RETRIES if partitions is not None else None,
        description="Page through the Meibel API and upsert what it returns, agent by agent.",
    )
    def meibel_api_tables(
        context: dg.AssetExecutionContext,
        config: SyncConfig,
        meibel_api: MeibelApiResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult[None]]:
        synced_at = datetime.now(UTC)
        options = config.options()
        if context.has_partition_key:
            options = replace(options, agent_ids=frozenset([context.partition_key]))
        client = meibel_api.client(config.max_requests, lambda: api_pool_holders(context.instance))
        yield from _sync(options, synced_at, client, warehouse)

    return meibel_api_tables


def api_pool_holders(instance: dg.DagsterInstance) -> int:
    """How many steps hold a slot of the API pool now: the runs sharing the key's rate limit."""
    return instance.event_log_storage.get_concurrency_info(API_POOL).active_slot_count


def _sync(
    options: SyncOptions,
    synced_at: datetime,
    client: MeibelClient,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult[None]]:
    with warehouse.sync_target() as target:

        async def sync() -> SyncReport:
            async with client:
                return await run_sync(client, target, options, synced_at, progress.info)

        report = asyncio.run(sync())
    progress.info(f"{report.requests} requests: {dict(report.requests_by_endpoint)}")
    common: dict[str, Any] = {
        "api_requests_this_sync": report.requests,
        "agents_by_mode": dict(report.agents_by_mode),
        "sessions_touched": report.sessions_touched,
        "sessions_verified": report.sessions_verified,
        "quarantined_this_sync": report.quarantined,
        "agents_deferred": ", ".join(report.agents_deferred),
        "synced_at": synced_at.isoformat(),
    }
    with warehouse.open() as wh:
        for table in Table:
            yield dg.MaterializeResult(
                asset_key=table.value,
                metadata={
                    "dagster/row_count": wh.row_count(table.value),
                    "fetched_this_sync": report.fetched[table],
                    **common,
                },
            )
        for name in DERIVED:
            yield dg.MaterializeResult(
                asset_key=name, metadata={"dagster/row_count": wh.row_count(name), **common}
            )
