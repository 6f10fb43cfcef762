"""The SQL files under `sql/`, and running them with bound parameters."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`; `name` is a fixed path such as "loads/agents"."""
    return (SQL_ROOT / f"{name}.sql").read_text(encoding="utf-8")


# Schema files numbered from 900 describe what the others create (COMMENT ON): they apply last,
# after the views and marts, since replacing a view drops its comments.
DESCRIPTIONS_FROM = "900"


def schema_files() -> list[str]:
    """The DDL files in the order they apply."""
    return [name for name in folder_files("schema") if name < f"schema/{DESCRIPTIONS_FROM}"]


def description_files() -> list[str]:
    """The data dictionary's files (`COMMENT ON`), applied after everything they describe."""
    return [name for name in folder_files("schema") if name >= f"schema/{DESCRIPTIONS_FROM}"]


def folder_files(folder: str) -> list[str]:
    """The scripts of `sql/<folder>/` in name order, as names `run_script` takes."""
    return [f"{folder}/{p.stem}" for p in sorted((SQL_ROOT / folder).glob("*.sql"))]


def run_script(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> None:
    """Run every statement of `sql/<name>.sql`, binding to each the parameters it names."""
    values = dict(params or {})
    for statement in con.extract_statements(sql(name)):
        used = {key: values[key] for key in statement.named_parameters}
        con.execute(statement, used) if used else con.execute(statement)
