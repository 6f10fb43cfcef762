"""The marts as Dagster assets: (re)created after each sync and counted; their described
columns (from the data dictionary) show in the UI.

No `from __future__ import annotations` in asset modules: Dagster reads the annotations of
resource parameters at definition time.
"""

from collections.abc import Iterator

import dagster as dg

from pipeline.marts.catalog import MARTS
from pipeline.warehouse.dictionary import reference_dictionary
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.metadata import table_metadata
from pipeline.warehouse.resource import WarehouseResource

GROUP = "marts"


@dg.multi_asset(
    name="marts",
    specs=[
        dg.AssetSpec(
            mart.name,
            deps=list(mart.deps),
            kinds={"duckdb", "view"},
            group_name=GROUP,
            # Described once, in sql/schema/900_comments.sql.
            description=reference_dictionary()[mart.name].description,
            metadata=table_metadata(mart.name),
        )
        for mart in MARTS
    ],
    description="(Re)create the mart views of sql/marts/ and count what each holds.",
)
def marts(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult[None]]:
    # Opening for writing applies sql/ (tables, views, marts, dictionary) in one transaction.
    with warehouse.open() as wh:
        for mart in MARTS:
            yield dg.MaterializeResult(
                asset_key=mart.name, metadata={"dagster/row_count": _row_count(wh, mart.name)}
            )


def _row_count(wh: DuckDBWarehouse, relation: str) -> int:
    # The relation is bound as a parameter (query_table), never formatted into SQL.
    (row,) = wh.rows("checks/row_count", {"table": relation})
    return int(row["row_count"])
