"""Export every table, view and mart to partitioned Parquet, each swapped in atomically."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.exports import snapshots
from pipeline.exports.catalog import EXPORTS, ExportSpec
from pipeline.exports.dataset import write_dataset
from pipeline.exports.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    SchemaChange,
    build_manifest,
    read_manifest,
    schema_change,
    to_json,
)
from pipeline.warehouse.dictionary import read_dictionary
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse

INDEX = "_manifest.json"


@dataclass(frozen=True)
class ExportResult:
    name: str
    folder: Path  # the stable path readers use: <export_dir>/<name>
    rows: int
    files: int
    partition_by: tuple[str, ...]
    window: dict[str, object] | None
    schema_change: SchemaChange


def export_all(
    wh: DuckDBWarehouse,
    export_dir: Path,
    generated_at: datetime,
    specs: Sequence[ExportSpec] = EXPORTS,
) -> list[ExportResult]:
    """Write and publish each export in turn, all read from one snapshot of the warehouse.

    An export that fails leaves its previous version published and its partial snapshot
    removed; the error propagates after that.
    """
    export_dir.mkdir(parents=True, exist_ok=True)
    dictionary = read_dictionary(wh)
    results: list[ExportResult] = []
    # One read transaction: every export sees the same state of the warehouse.
    with wh.transaction():
        for spec in specs:
            relation = dictionary[spec.name]
            snapshot = snapshots.new_snapshot(export_dir, spec.name, generated_at)
            try:
                # Closed even on failure: the connection serves nothing else while it is open.
                with wh.stream(spec.name) as reader:
                    written = write_dataset(reader, snapshot, spec.partition_by, spec.window)
                manifest = build_manifest(
                    relation, written, spec.partition_by, snapshot.name, generated_at
                )
                previous = snapshots.current_snapshot(export_dir, spec.name)
                change = schema_change(
                    read_manifest(previous) if previous else None, written.schema
                )
                (snapshot / MANIFEST).write_text(to_json(manifest), encoding="utf-8")
                snapshots.publish(export_dir, spec.name, snapshot)
            except BaseException:
                snapshots.discard(snapshot)
                raise
            snapshots.prune(export_dir, spec.name)
            results.append(
                ExportResult(
                    spec.name,
                    export_dir / spec.name,
                    written.rows,
                    len(written.files),
                    spec.partition_by,
                    manifest["window"],
                    change,
                )
            )
    snapshots.write_atomically(export_dir / INDEX, to_json(_index(results, generated_at)))
    return results


def _index(results: list[ExportResult], generated_at: datetime) -> dict[str, object]:
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at.isoformat(),
        "exports": [
            {
                "name": r.name,
                "path": r.name,
                "manifest": f"{r.name}/{MANIFEST}",
                "row_count": r.rows,
                "files": r.files,
                "partition_by": list(r.partition_by),
                "window": r.window,
            }
            for r in results
        ],
    }
