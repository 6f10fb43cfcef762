"""Parquet exports of every table, replaced atomically after each sync."""

import dagster as dg

from pipeline.warehouse.duckdb_warehouse import EXPORTED
from pipeline.warehouse.resource import WarehouseResource


@dg.asset(
    deps=list(EXPORTED),
    kinds={"parquet"},
    group_name="exports",
    description=(
        "Every table and summary view as `<export_dir>/<table>/<table>.parquet`; each file is "
        "swapped in whole, so a BI tool never reads a half-written one."
    ),
)
def parquet_exports(warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    with warehouse.open() as wh:
        files = wh.export_parquet(warehouse.exports)
    return dg.MaterializeResult(
        metadata={
            "export_dir": dg.MetadataValue.path(str(warehouse.exports.resolve())),
            "dagster/row_count": sum(f.rows for f in files),
            **{f"rows_{f.table}": f.rows for f in files},
        }
    )
