"""The manifest beside every export: its files, rows, schema and the window it covers.

`_manifest.json` sits in the export's folder (a leading '_' hides it from Parquet readers);
`<export_dir>/_manifest.json` indexes every export. A consumer that wants an exact, consistent
file list reads the manifest instead of listing the folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.exports.dataset import WrittenDataset
from pipeline.warehouse.dictionary import Relation

FORMAT_VERSION = 1
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class SchemaChange:
    added: list[str]
    removed: list[str]
    retyped: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.retyped)

    def describe(self) -> str:
        parts = [
            f"{what} {', '.join(names)}"
            for what, names in (
                ("added", self.added),
                ("removed", self.removed),
                ("retyped", self.retyped),
            )
            if names
        ]
        return "; ".join(parts)


def build_manifest(
    relation: Relation,
    written: WrittenDataset,
    partition_by: tuple[str, ...],
    snapshot: str,
    generated_at: datetime,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "export": relation.name,
        "description": relation.description,
        "source": {"relation": relation.name, "kind": relation.kind},
        "generated_at": generated_at.isoformat(),
        "snapshot": snapshot,
        "format": "parquet",
        "compression": "zstd",
        "partitioning": {
            "flavor": "hive",
            "columns": list(partition_by),
            "value_encoding": "uri",
            "null_value": "__HIVE_DEFAULT_PARTITION__",
        },
        "row_count": written.rows,
        "window": written.window.as_json() if written.window else None,
        "schema": [
            {
                "name": field.name,
                "type": str(field.type),
                "warehouse_type": relation.column(field.name).data_type,
                "nullable": field.nullable,
                "partition": field.name in partition_by,
                "description": relation.column(field.name).description,
            }
            for field in written.schema
        ],
        "files": [asdict(f) for f in written.files],
    }


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def schema_change(before: dict[str, Any] | None, after: pa.Schema) -> SchemaChange:
    """What a BI tool bound to the previous export would notice."""
    if before is None:
        return SchemaChange([], [], [])
    old = {column["name"]: column["type"] for column in before["schema"]}
    new = {field.name: str(field.type) for field in after}
    return SchemaChange(
        added=[name for name in new if name not in old],
        removed=[name for name in old if name not in new],
        retyped=[name for name in new if name in old and old[name] != new[name]],
    )


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
