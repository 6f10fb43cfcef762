"""Writing one export: a stream of Arrow batches into a hive-partitioned Parquet folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pipeline.exports.arrow_types import stable_schema

# Hive's own spelling of a NULL partition value; DuckDB, Spark, Trino and pyarrow read it so.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
BASENAME = "part-{i}.parquet"
# Row groups of this size keep a reader's memory flat and let it skip by column statistics.
ROWS_PER_GROUP = 128_000
ROWS_PER_FILE = 4_000_000


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to the export's folder, '/'-separated
    rows: int
    bytes: int


@dataclass
class Window:
    """The smallest and largest value of one column, over every batch written."""

    column: str
    low: Any = None
    high: Any = None

    def update(self, batch: pa.RecordBatch) -> None:
        extremes = pc.min_max(batch.column(self.column)).as_py()
        for value in (extremes["min"], extremes["max"]):
            if value is None:
                continue
            self.low = value if self.low is None else min(self.low, value)
            self.high = value if self.high is None else max(self.high, value)

    def as_json(self) -> dict[str, Any]:
        return {"column": self.column, "min": _iso(self.low), "max": _iso(self.high)}


@dataclass
class WrittenDataset:
    schema: pa.Schema  # every column, partition columns included
    files: list[WrittenFile] = field(default_factory=list)
    window: Window | None = None

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def write_dataset(
    reader: pa.RecordBatchReader,
    folder: Path,
    partition_by: tuple[str, ...] = (),
    window: str | None = None,
) -> WrittenDataset:
    """Write every batch of `reader` under `folder` (which must be new), in a stable schema."""
    schema = stable_schema(reader.schema)
    written = WrittenDataset(schema, window=Window(window) if window else None)

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            stable = batch.cast(schema)
            if written.window is not None:
                written.window.update(stable)
            yield stable

    def visit(file: Any) -> None:
        # Called once per file pyarrow closes, with the footer it wrote.
        written.files.append(
            WrittenFile(
                Path(file.path).relative_to(folder).as_posix(), file.metadata.num_rows, file.size
            )
        )

    partitioning = (
        ds.HivePartitioning(
            pa.schema([schema.field(name) for name in partition_by]),
            null_fallback=NULL_PARTITION,
        )
        if partition_by
        else None
    )
    ds.write_dataset(
        pa.RecordBatchReader.from_batches(schema, batches()),
        folder,
        format="parquet",
        partitioning=partitioning,
        basename_template=BASENAME,
        file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        existing_data_behavior="error",
        max_partitions=1_000_000,
        max_open_files=512,
        max_rows_per_file=ROWS_PER_FILE,
        max_rows_per_group=ROWS_PER_GROUP,
        min_rows_per_group=min(ROWS_PER_GROUP, 1 << 16),
        file_visitor=visit,
    )
    if not written.files:
        written.files.append(_empty_file(schema, folder, partition_by))
    written.files.sort(key=lambda f: f.path)
    return written


def _empty_file(schema: pa.Schema, folder: Path, partition_by: tuple[str, ...]) -> WrittenFile:
    """A zero-row file, so that readers of an empty export get its schema, not 'no files'.

    A partitioned one goes under the NULL partition, where hive readers expect a file to be.
    """
    relative = Path(*(f"{name}={NULL_PARTITION}" for name in partition_by), "part-0.parquet")
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    file_schema = pa.schema([f for f in schema if f.name not in partition_by])
    pq.write_table(file_schema.empty_table(), path, compression="zstd")
    return WrittenFile(relative.as_posix(), 0, path.stat().st_size)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value
