"""The sync job: every asset and check, in one process so DuckDB has a single writer."""

import dagster as dg

meibel_sync = dg.define_asset_job(
    "meibel_sync",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    # dagster.yaml lets one run with this tag at a time: the DuckDB file has one writer.
    tags={"meibel/warehouse": "duckdb"},
    description="Read the Meibel API, recompute its summaries, reconcile, export Parquet.",
)

hourly_sync = dg.ScheduleDefinition(
    name="meibel_sync_hourly",
    job=meibel_sync,
    cron_schedule="0 * * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Sync every hour; stopped until you turn it on.",
)
