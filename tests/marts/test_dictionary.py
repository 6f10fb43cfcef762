"""The data dictionary cannot drift: everything is described, the docs match the SQL, and the
Dagster assets show what the dictionary says."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipeline.definitions import build_definitions
from pipeline.marts.catalog import MART_NAMES
from pipeline.reporting.dictionary_doc import render_dictionary
from pipeline.warehouse.dictionary import read_dictionary, reference_dictionary
from pipeline.warehouse.metadata import COLUMN_SCHEMA
from tests.e2e.sync_env import SyncEnv

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "data-dictionary.md"


def test_every_table_view_and_column_is_described() -> None:
    dictionary = reference_dictionary()
    assert set(MART_NAMES) <= {r.name for r in dictionary}
    assert sum(len(r.columns) for r in dictionary) > 200
    missing = dictionary.undescribed()
    assert missing == [], (
        "describe these in sql/schema/900_comments.sql (COMMENT ON ...), then run "
        f"`./dev docs`: {missing}"
    )


def test_the_synced_warehouse_carries_the_same_dictionary(synced: SyncEnv) -> None:
    # Comments survive a real sync (views are replaced on every open, and re-described).
    with synced.open() as wh:
        assert read_dictionary(wh) == reference_dictionary()


def test_docs_are_rendered_from_the_current_sql() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_dictionary(reference_dictionary()), (
        "docs/data-dictionary.md is out of date: run `./dev docs`"
    )


def test_assets_show_described_column_schemas() -> None:
    defs = build_definitions()
    dictionary = reference_dictionary()
    for name in (*MART_NAMES, "scoring_jobs", "sessions", "summary_reconciliation"):
        spec = defs.resolve_assets_def(name).specs_by_key[dg.AssetKey(name)]
        schema = spec.metadata[COLUMN_SCHEMA]
        described = {c.name: c.description for c in dictionary[name].columns}
        assert {c.name: c.description for c in schema.columns} == described, name
