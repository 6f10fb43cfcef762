"""Dagster metadata describing warehouse tables: column schemas from the Arrow load schemas."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from pipeline.warehouse.schemas import SCHEMAS, Table


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=f.name,
                type=str(f.type),
                constraints=dg.TableColumnConstraints(nullable=f.nullable),
            )
            for f in schema
        ]
    )


def table_metadata(table: Table) -> dict[str, dg.TableSchema]:
    return {"dagster/column_schema": column_schema(SCHEMAS[table])}
