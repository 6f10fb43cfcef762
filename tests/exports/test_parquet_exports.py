"""The Parquet exports a real sync leaves, read back by DuckDB and pyarrow as a BI tool would;
and their publication: atomic, pruned, unchanged by a failure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline.exports.catalog import EXPORTS, ExportSpec
from pipeline.exports.exporter import export_all
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from tests.e2e.sync_env import SyncEnv

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


def hive(folder: Path) -> str:
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"


def sorted_rows(table: pa.Table, columns: list[str]) -> list[dict[str, Any]]:
    return sorted(table.select(columns).to_pylist(), key=repr)


def test_every_export_holds_its_relation_with_the_manifest_describing_it(
    synced: SyncEnv,
) -> None:
    exports = synced.exports
    index = json.loads((exports / "_manifest.json").read_text())
    assert [e["name"] for e in index["exports"]] == [spec.name for spec in EXPORTS]
    reader = duckdb.connect()
    with synced.open() as wh:
        for spec in EXPORTS:
            folder = exports / spec.name
            manifest = json.loads((folder / "_manifest.json").read_text())
            expected = wh.query(f"SELECT count(*) AS n FROM {spec.name}").to_pylist()[0]["n"]
            (read,) = reader.sql(f"SELECT count(*) FROM {hive(folder)}").fetchall()
            assert manifest["row_count"] == sum(f["rows"] for f in manifest["files"])
            assert manifest["row_count"] == read[0] == expected, spec.name
            assert {f["path"] for f in manifest["files"]} == {
                p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")
            }
            columns = [c["name"] for c in manifest["schema"]]
            assert columns == wh.query(f"FROM {spec.name} LIMIT 0").column_names
            assert [c["name"] for c in manifest["schema"] if c["partition"]] == list(
                spec.partition_by
            )
            assert all(c["description"] for c in manifest["schema"])


def test_partitioned_marts_read_back_exactly_with_awkward_agent_names(synced: SyncEnv) -> None:
    folder = synced.exports / "job_scores"
    paths = [p.relative_to(folder).parts for p in folder.rglob("*.parquet")]
    assert all(p[0].startswith("agent_name=") and p[1].startswith("score_date=") for p in paths)
    # Names such as 'routing/triage' and 'Q&A #1?' are percent-encoded into one folder each.
    assert any("%2F" in p[0] for p in paths)
    manifest = json.loads((folder / "_manifest.json").read_text())
    schema = pa.schema(
        [(c["name"], pa.string() if c["type"] == "string" else pa.date32())
         for c in manifest["schema"] if c["partition"]]
    )  # fmt: skip
    exported = ds.dataset(
        folder, format="parquet", partitioning=ds.partitioning(schema, flavor="hive")
    ).to_table()
    with synced.open() as wh:
        expected = wh.query("FROM job_scores")
    columns = ["job_id", "agent_name", "score_date", "score", "score_normalized", "is_scored"]
    assert sorted_rows(exported, columns) == sorted_rows(expected, columns)
    window = manifest["window"]
    assert window["column"] == "score_date"
    assert window["min"] == min(expected.column("score_date").to_pylist()).isoformat()
    # Stable types: UTC timestamps and plain strings, whatever the machine's time zone.
    types = {c["name"]: c["type"] for c in manifest["schema"]}
    assert types["session_start_time"] == "timestamp[us, tz=UTC]"
    assert types["job_id"] == "string"


def test_a_new_export_is_swapped_in_whole_and_old_snapshots_pruned(
    synced: SyncEnv, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    specs = [spec for spec in EXPORTS if spec.name in ("agents", "daily_scores")]
    with synced.open() as wh:
        export_all(wh, exports, T0, specs)
        first = (exports / "daily_scores").resolve()
        # A reader that resolved the folder before the swap keeps reading a whole export.
        held = pq.ParquetDataset(first).read()
        export_all(wh, exports, T0.replace(hour=13), specs)
        second = (exports / "daily_scores").resolve()
        export_all(wh, exports, T0.replace(hour=14), specs)
        third = (exports / "daily_scores").resolve()
    assert (exports / "daily_scores").is_symlink()
    assert len({first, second, third}) == 3
    assert not first.exists()  # pruned: only the current and the one before remain
    assert second.exists()
    assert sorted(p.name for p in third.parent.iterdir()) == sorted([second.name, third.name])
    assert held.num_rows > 0
    # Readers list nothing but data: the snapshots and link staging stay hidden.
    assert sorted(p.name for p in exports.iterdir()) == [
        ".snapshots", "_manifest.json", "agents", "daily_scores",
    ]  # fmt: skip


def test_a_failed_export_leaves_the_published_one_in_place(synced: SyncEnv, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    good = ExportSpec("daily_scores", ("agent_name",))
    with synced.open() as wh:
        export_all(wh, exports, T0, [good])
        published = (exports / "daily_scores").resolve()
        broken = ExportSpec("daily_scores", ("no_such_column",))
        with pytest.raises((KeyError, pa.ArrowInvalid)):
            export_all(wh, exports, T0.replace(hour=13), [broken])
        # The connection is still usable after the failure.
        assert wh.query("SELECT 1 AS one").to_pylist() == [{"one": 1}]
    assert (exports / "daily_scores").resolve() == published
    assert [p.name for p in published.parent.iterdir()] == [published.name]


def test_an_empty_export_has_a_readable_schema(tmp_path: Path) -> None:
    with DuckDBWarehouse.open(tmp_path / "empty.duckdb") as wh:
        results = export_all(
            wh, tmp_path / "exports", T0, [ExportSpec("session_scores", ("agent_name",))]
        )
    assert results[0].rows == 0
    described = duckdb.sql(
        f"DESCRIBE SELECT * FROM {hive(tmp_path / 'exports' / 'session_scores')}"
    ).fetchall()
    assert {"session_id", "agent_name", "faithfulness"} <= {row[0] for row in described}
