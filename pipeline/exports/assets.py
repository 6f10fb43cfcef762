"""Parquet exports of every table, view and mart, replaced atomically after each sync.

No `from __future__ import annotations` in asset modules: Dagster reads the annotations of
resource parameters at definition time.
"""

from datetime import UTC, datetime

import dagster as dg

from pipeline.exports.catalog import EXPORT_NAMES
from pipeline.exports.exporter import ExportResult, export_all
from pipeline.warehouse.resource import WarehouseResource


@dg.asset(
    deps=list(EXPORT_NAMES),
    kinds={"parquet"},
    group_name="exports",
    description=(
        "Every table, view and mart as hive-partitioned Parquet under `<export_dir>/<name>/`, "
        "with a `_manifest.json` (files, rows, schema, window) beside the data; each export "
        "is swapped in whole, so a BI tool never reads a half-written one."
    ),
)
def parquet_exports(warehouse: WarehouseResource) -> dg.MaterializeResult[None]:
    with warehouse.open() as wh:
        results = export_all(wh, warehouse.exports, datetime.now(UTC))
    changed = {r.name: r.schema_change.describe() for r in results if r.schema_change}
    return dg.MaterializeResult(
        metadata={
            "export_dir": dg.MetadataValue.path(str(warehouse.exports.resolve())),
            "dagster/row_count": sum(r.rows for r in results),
            "files": sum(r.files for r in results),
            "exports": dg.MetadataValue.md(_table(results)),
            "schema_changes": dg.MetadataValue.json(changed),
            **{f"rows_{r.name}": r.rows for r in results},
        }
    )


def _table(results: list[ExportResult]) -> str:
    lines = ["| export | rows | files | partitioned by | window |", "|---|---:|---:|---|---|"]
    for r in results:
        window = f"{r.window['min']} … {r.window['max']}" if r.window else ""
        lines.append(
            f"| `{r.name}` | {r.rows:,} | {r.files} | {', '.join(r.partition_by) or '—'} "
            f"| {window} |"
        )
    return "\n".join(lines)
