"""A query result written as CSV, JSON Lines or Parquet, to a file or to standard output."""

from __future__ import annotations

import io
import json
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.exports.arrow_types import stable_schema


class ResultFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


SUFFIXES: dict[str, ResultFormat] = {
    ".csv": ResultFormat.CSV,
    ".json": ResultFormat.JSON,
    ".jsonl": ResultFormat.JSON,
    ".ndjson": ResultFormat.JSON,
    ".parquet": ResultFormat.PARQUET,
}


def format_for(path: Path) -> ResultFormat | None:
    return SUFFIXES.get(path.suffix.lower())


def write_result(result: pa.Table, fmt: ResultFormat, output: Path | None) -> None:
    """Write the whole result; a file is written aside and renamed, so it is never half there."""
    if fmt is ResultFormat.TABLE:
        raise ValueError("the table format is printed, not written")
    if output is None:
        if fmt is ResultFormat.PARQUET:
            raise ValueError("parquet goes to a file: pass --output")
        _write(result, fmt, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    staged = output.with_name(f".{output.name}.partial")
    with staged.open("wb") as sink:
        _write(result, fmt, sink)
    staged.replace(output)


def _write(result: pa.Table, fmt: ResultFormat, sink: BinaryIO) -> None:
    if fmt is ResultFormat.PARQUET:
        pq.write_table(result.cast(stable_schema(result.schema)), sink, compression="zstd")
    elif fmt is ResultFormat.CSV:
        pacsv.write_csv(_flat(result), sink)
    else:
        # JSON Lines: one object per row, as DuckDB's and most loaders' JSON readers take it.
        text = io.TextIOWrapper(sink, encoding="utf-8", newline="\n", write_through=True)
        for row in result.to_pylist():
            text.write(json.dumps(row, default=_json_value, ensure_ascii=False) + "\n")
        text.detach()


def _flat(result: pa.Table) -> pa.Table:
    """Lists, maps and structs as JSON text: CSV has no nested values."""
    columns = []
    for column, field in zip(result.columns, result.schema, strict=True):
        if pa.types.is_nested(field.type):
            values = [
                None if v is None else json.dumps(v, default=_json_value, ensure_ascii=False)
                for v in column.to_pylist()
            ]
            columns.append(pa.array(values, pa.string()))
        else:
            columns.append(column)
    return pa.table(columns, names=result.column_names)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
