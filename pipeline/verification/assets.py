"""The recomputed summary views and the reconciliation table built from them."""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from pipeline.warehouse.metadata import table_metadata
from pipeline.warehouse.resource import WarehouseResource
from pipeline.warehouse.schemas import Table

GROUP = "verification"

SUMMARY_VIEWS: dict[str, str] = {
    "session_score_summary": "The API's session summary recomputed from scoring_jobs.",
    "turn_score_summary": "The API's per-turn summary recomputed from scoring_jobs.",
    "agent_score_summary": "The API's agent summary recomputed from scoring_jobs.",
}


@dg.multi_asset(
    name="score_summary_views",
    specs=[
        dg.AssetSpec(
            name,
            description=description,
            deps=[Table.SCORING_JOBS.value],
            kinds={"duckdb", "view"},
            group_name=GROUP,
            metadata=table_metadata(name),
        )
        for name, description in SUMMARY_VIEWS.items()
    ],
    description="(Re)create the views that recompute the API's summaries in SQL.",
)
def score_summary_views(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult[None]]:
    with warehouse.open() as wh:
        wh.apply_schema()
        for name in SUMMARY_VIEWS:
            yield dg.MaterializeResult(
                asset_key=name, metadata={"dagster/row_count": wh.row_count(name)}
            )


class ReconciliationConfig(dg.Config):
    tolerance: float = Field(
        default=1e-9,
        description="Largest difference between two scores that still counts as equal.",
    )


@dg.asset(
    deps=[
        *SUMMARY_VIEWS,
        Table.API_AGENT_SUMMARIES.value,
        Table.API_SESSION_SUMMARIES.value,
        Table.API_TURN_SUMMARIES.value,
    ],
    kinds={"duckdb", "table"},
    group_name=GROUP,
    metadata=table_metadata("summary_reconciliation"),
    description=(
        "One row per summary (agent, session, turn) that differs from the API's: which fields "
        "disagree with the one recomputed from scoring_jobs, and by how much. How many were "
        "compared and how many differ, per level, is in summary_reconciliation_totals."
    ),
)
def summary_reconciliation(
    config: ReconciliationConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult[None]:
    with warehouse.open() as wh:
        totals = wh.reconcile(config.tolerance, datetime.now(UTC))
        # The totals first: a reader of the published mismatches finds their totals beside them.
        warehouse.publish(wh, "summary_reconciliation_totals")
        warehouse.publish(wh, "summary_reconciliation")
        rows = wh.row_count("summary_reconciliation")
    metadata: dict[str, int] = {"dagster/row_count": rows}
    for level in totals:
        metadata[f"{level.level}_compared"] = level.compared
        metadata[f"{level.level}_mismatched"] = level.mismatched
    return dg.MaterializeResult(metadata=metadata)
