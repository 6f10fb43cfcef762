"""One Arrow type per warehouse type, whatever the machine or the DuckDB settings.

DuckDB hands out timestamps in the connection's time zone, strings as views or large strings
depending on settings, and list items named after the column. A BI tool or lakehouse table
bound to an export must see the same schema every time, so every export is cast to this form.
"""

from __future__ import annotations

import pyarrow as pa


def stable_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        # An instant stays the same instant; only its label is fixed to UTC.
        return pa.timestamp("us", tz="UTC" if t.tz else None)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return stable_type(t.value_type)
    if pa.types.is_map(t):
        return pa.map_(stable_type(t.key_type), stable_type(t.item_type))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(pa.field("element", stable_type(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([stable_field(t.field(i)) for i in range(t.num_fields)])
    return t


def stable_field(field: pa.Field) -> pa.Field:
    # Field metadata (DuckDB's extension names) is dropped: the type says what a reader needs.
    return pa.field(field.name, stable_type(field.type), nullable=field.nullable)


def stable_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([stable_field(field) for field in schema])
