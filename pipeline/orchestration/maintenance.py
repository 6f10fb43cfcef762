"""Daily table maintenance for the Iceberg backend: old snapshots expired, their files deleted.

Without it every agent's hourly commit leaves a snapshot behind, and every replaced partition
its old files, for as long as the tables live. A week of snapshots is kept for time travel and
for readers still scanning an older version. Safe to run while syncs run.
"""

from datetime import UTC, datetime, timedelta
from typing import Final

import dagster as dg
from pydantic import Field

from pipeline.warehouse.resource import WarehouseResource

MAINTENANCE_JOB: Final = "meibel_iceberg_maintenance"


class MaintenanceConfig(dg.Config):
    keep_days: float = Field(
        default=7.0, gt=0, description="Snapshots younger than this many days are kept."
    )


@dg.op(description="Expire every table's snapshots older than keep_days; delete their files.")
def expire_snapshots(
    context: dg.OpExecutionContext, config: MaintenanceConfig, warehouse: WarehouseResource
) -> dg.Output[int]:
    older_than = datetime.now(UTC) - timedelta(days=config.keep_days)
    expired = warehouse.expire_snapshots(older_than)
    for table in expired:
        context.log.info(
            f"{table.table}: {table.snapshots} snapshots expired, "
            f"{table.files_deleted} files deleted"
        )
    return dg.Output(
        sum(table.files_deleted for table in expired),
        metadata={
            "older_than": older_than.isoformat(),
            "snapshots_expired": sum(table.snapshots for table in expired),
            "files_deleted": sum(table.files_deleted for table in expired),
        },
    )


@dg.job(name=MAINTENANCE_JOB, description="Expire old Iceberg snapshots and delete their files.")
def meibel_iceberg_maintenance() -> None:
    expire_snapshots()


maintenance_daily = dg.ScheduleDefinition(
    name="meibel_iceberg_maintenance_daily",
    job=meibel_iceberg_maintenance,
    cron_schedule="45 3 * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Daily at 03:45: expire snapshots older than a week, delete their files.",
)
