"""The data dictionary: every table, view and column of the warehouse, described.

It is read from the warehouse's own catalog, where sql/schema/900_comments.sql put the
descriptions (`COMMENT ON`), so it describes exactly what the SQL creates and cannot drift from
it. Dagster's column schemas, the Parquet manifests and docs/data-dictionary.md all come from
here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from pipeline.warehouse.duckdb_warehouse import TABLE_KEYS, DuckDBWarehouse


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    nullable: bool
    description: str | None


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str  # "table" or "view"
    description: str | None
    key_columns: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Dictionary:
    relations: tuple[Relation, ...]

    def __iter__(self) -> Iterator[Relation]:
        return iter(self.relations)

    def __contains__(self, name: object) -> bool:
        return any(relation.name == name for relation in self.relations)

    def __getitem__(self, name: str) -> Relation:
        for relation in self.relations:
            if relation.name == name:
                return relation
        raise KeyError(f"no table or view {name!r} in the warehouse")

    def undescribed(self) -> list[str]:
        """`relation` or `relation.column` for everything without a description."""
        missing: list[str] = []
        for relation in self.relations:
            if not (relation.description or "").strip():
                missing.append(relation.name)
            missing.extend(
                f"{relation.name}.{column.name}"
                for column in relation.columns
                if not (column.description or "").strip()
            )
        return missing


def read_dictionary(warehouse: DuckDBWarehouse) -> Dictionary:
    columns: dict[str, list[Column]] = {}
    for row in warehouse.rows("dictionary/columns"):
        columns.setdefault(row["relation"], []).append(
            Column(row["name"], row["data_type"], row["nullable"], row["description"])
        )
    return Dictionary(
        tuple(
            Relation(
                name=row["name"],
                kind=row["kind"],
                description=row["description"],
                key_columns=TABLE_KEYS.get(row["name"], ()),
                columns=tuple(columns.get(row["name"], ())),
            )
            for row in warehouse.rows("dictionary/relations")
        )
    )


@cache
def reference_dictionary() -> Dictionary:
    """The dictionary of an empty warehouse built from `sql/`: what the code defines.

    Built once per process in memory (about a tenth of a second), so that asset definitions can
    show column schemas before any sync has run.
    """
    with DuckDBWarehouse.open(":memory:") as warehouse:
        return read_dictionary(warehouse)
