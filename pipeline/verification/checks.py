"""The check that every compared summary matches the API's."""

import dagster as dg

from pipeline.verification.assets import summary_reconciliation
from pipeline.warehouse.resource import WarehouseResource

SAMPLE = 10


@dg.asset_check(
    asset=summary_reconciliation,
    description="Every summary the API returned equals the one recomputed from scoring_jobs.",
)
def summaries_match_api(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.open() as wh:
        totals = wh.reconciliation_totals()
        sample = wh.reconciliation_mismatches(SAMPLE)
    mismatched = sum(level.mismatched for level in totals)
    return dg.AssetCheckResult(
        passed=mismatched == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(None if mismatched == 0 else f"{mismatched} summaries differ from the API's"),
        metadata={
            "compared": sum(level.compared for level in totals),
            "mismatched": mismatched,
            **{f"{level.level}_mismatched": level.mismatched for level in totals},
            "sample": dg.MetadataValue.json([_printable(row) for row in sample]),
        },
    )


def _printable(row: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in row.items() if value is not None}
