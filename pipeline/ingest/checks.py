"""Data-quality checks on the tables read from the API, next to the assets they judge."""

from collections.abc import Iterator

import dagster as dg

from pipeline.warehouse.resource import WarehouseResource
from pipeline.warehouse.schemas import Table

# Every table with a key, the derived ones included: the big ones declare no PRIMARY KEY (see
# sql/schema/001_tables.sql), so this check is what proves their loads keep the key.
KEYED_TABLES: tuple[str, ...] = (
    *(table.value for table in Table),
    "scoring_job_history",
    "api_agent_summary_job_ids",
)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "primary_key_unique",
            asset=table,
            blocking=True,
            description="No key value occurs twice: upserts replaced, never appended.",
        )
        for table in KEYED_TABLES
    ],
)
def primary_keys_unique(warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    with warehouse.open() as wh:
        for table in KEYED_TABLES:
            duplicated, involved = wh.duplicate_keys(table)
            yield dg.AssetCheckResult(
                asset_key=table,
                check_name="primary_key_unique",
                passed=duplicated == 0,
                metadata={"duplicated_keys": duplicated, "rows_involved": involved},
            )


@dg.asset_check(
    asset=Table.SCORING_JOBS.value,
    description=(
        "Every score lies on its module's scale (judge: integers 0-10, statistical: 0-1); "
        "modules with no known scale are named so module_scales can learn them."
    ),
)
def scores_within_scale(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as wh:
        (row,) = wh.rows("checks/scores_out_of_scale")
    unknown = row["unknown_modules"] or []
    bad = row["out_of_scale"] + row["judge_not_integer"]
    return dg.AssetCheckResult(
        passed=bad == 0 and not unknown,
        severity=dg.AssetCheckSeverity.ERROR if bad else dg.AssetCheckSeverity.WARN,
        metadata={
            "out_of_scale": row["out_of_scale"],
            "judge_not_integer": row["judge_not_integer"],
            "unknown_modules": ", ".join(unknown),
            "sample_job_ids": ", ".join(row["sample_job_ids"] or []),
        },
    )


@dg.asset_check(
    asset=Table.SCORING_JOBS.value,
    additional_deps=[Table.SESSIONS.value],
    description=(
        "Every job's agent_session_id names a session we hold. A warning, not an error: a "
        "session started after its agent's pages were read shows up on the next sync."
    ),
)
def jobs_have_sessions(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as wh:
        (row,) = wh.rows("checks/jobs_without_session")
    return dg.AssetCheckResult(
        passed=row["orphaned_jobs"] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "orphaned_jobs": row["orphaned_jobs"],
            "sample_job_ids": ", ".join(row["sample_job_ids"] or []),
        },
    )


@dg.asset_check(
    asset=Table.QUARANTINE.value,
    description=(
        "Warns when the latest sync set records aside that fit no schema: the API sent "
        "something this pipeline cannot read. The rest of the sync loaded as usual."
    ),
)
def no_new_quarantined_records(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as wh:
        (row,) = wh.rows("checks/new_quarantine")
    return dg.AssetCheckResult(
        passed=row["new_records"] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "new_records": row["new_records"],
            "total_records": row["total_records"],
            "sample": "\n".join(row["sample"] or []),
        },
    )
