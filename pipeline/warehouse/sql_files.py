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


def schema_files() -> list[str]:
    """The DDL files in the order they apply."""
    return [f"schema/{p.stem}" for p in sorted((SQL_ROOT / "schema").glob("*.sql"))]


def run_script(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> None:
    """Run every statement of `sql/<name>.sql`, binding to each the parameters it names."""
    values = dict(params or {})
    for statement in con.extract_statements(sql(name)):
        used = {key: values[key] for key in statement.named_parameters}
        con.execute(statement, used) if used else con.execute(statement)
