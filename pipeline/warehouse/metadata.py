"""Dagster metadata describing warehouse tables and views, from the data dictionary."""

from __future__ import annotations

from typing import Any

import dagster as dg

from pipeline.warehouse.dictionary import Relation, reference_dictionary
from pipeline.warehouse.schemas import Table

COLUMN_SCHEMA = "dagster/column_schema"


def column_schema(relation: Relation) -> dg.TableSchema:
    single_key = relation.key_columns[0] if len(relation.key_columns) == 1 else None
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=column.data_type,
                description=column.description,
                constraints=dg.TableColumnConstraints(
                    nullable=column.nullable, unique=column.name == single_key
                ),
            )
            for column in relation.columns
        ]
    )


def relation_metadata(relation: Relation) -> dict[str, Any]:
    metadata: dict[str, Any] = {COLUMN_SCHEMA: column_schema(relation)}
    if relation.key_columns:
        metadata["key"] = ", ".join(relation.key_columns)
    return metadata


def table_metadata(table: Table | str) -> dict[str, Any]:
    """Column schema (types, nullability, descriptions) of a table or view as `sql/` defines it."""
    return relation_metadata(reference_dictionary()[str(table)])
