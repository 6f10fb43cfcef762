"""The Iceberg tables, derived from the DuckDB schema of `sql/schema/` rather than declared again.

Every base table the schema files create and leave empty becomes an Iceberg table of the same
name, columns, types and nullability (a table the schema files fill, such as module_scales, is
reference data that `sql/` owns and every scratch database seeds itself). The tables one agent's
sync writes are partitioned by the column naming the agent, so per-agent writers touch disjoint
partitions and Iceberg's conflict validation lets their commits through one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import TableAlreadyExistsError
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table import TableProperties

from pipeline.warehouse.duckdb_warehouse import TABLE_KEYS
from pipeline.warehouse.schemas import TIMESTAMP
from pipeline.warehouse.sql_files import sql


@dataclass(frozen=True)
class AgentColumn:
    """How the rows of one agent are told apart in a table its sync writes."""

    name: str
    # "id" tables carry the agent's id, "name" tables the agent's name (jobs and summaries
    # know only the name: the API filters them by it).
    identifies_by: str
    # True when only Iceberg holds the column: the DuckDB table has no agent column, so the
    # writer adds it and every reader drops it.
    iceberg_only: bool = False


# The tables one agent's commit writes, sync_state (the agent's read position) after all the
# others, so an agent whose commit dies part-way has not moved and its next sync redoes the work.
AGENT_TABLES: Mapping[str, AgentColumn] = {
    "sessions": AgentColumn("agent_id", "id"),
    "scoring_jobs": AgentColumn("agent_name", "name"),
    # A history row's job is always in scoring_jobs, under the agent the sync read it for.
    "scoring_job_history": AgentColumn("agent_name", "name", iceberg_only=True),
    "api_agent_summaries": AgentColumn("agent_name", "name"),
    "api_agent_summary_job_ids": AgentColumn("agent_name", "name"),
    "api_session_summaries": AgentColumn("agent_name", "name"),
    "api_turn_summaries": AgentColumn("agent_name", "name"),
    "sync_state": AgentColumn("agent_id", "id"),
}


@dataclass(frozen=True)
class TableLayout:
    name: str
    # The DuckDB table's columns: what a scan selects and a scratch database receives.
    schema: pa.Schema
    agent: AgentColumn | None

    @property
    def iceberg_schema(self) -> pa.Schema:
        if self.agent is not None and self.agent.iceberg_only:
            return self.schema.append(pa.field(self.agent.name, pa.string()))
        return self.schema

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema.names)

    @property
    def keys(self) -> tuple[str, ...]:
        return TABLE_KEYS.get(self.name, ())


def derive_layouts(con: duckdb.DuckDBPyConnection) -> dict[str, TableLayout]:
    """The layout of every table a connection with the schema applied holds and leaves empty."""
    layouts: dict[str, TableLayout] = {}
    for (name,) in con.execute(sql("iceberg/tables")).fetchall():
        seeded = con.table(name).to_arrow_table()
        if seeded.num_rows:
            continue
        nullable = dict(con.execute(sql("iceberg/columns"), {"table": name}).fetchall())
        schema = pa.schema(
            [_normalised(field).with_nullable(nullable[field.name]) for field in seeded.schema]
        )
        layouts[name] = TableLayout(name, schema, AGENT_TABLES.get(name))
    return layouts


def _normalised(field: pa.Field) -> pa.Field:
    # DuckDB names the session's time zone; every TIMESTAMPTZ is an instant, stored as UTC.
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return field.with_type(TIMESTAMP)
    return field


# Every commit writes a new metadata file; these keep only the newest of them (snapshots and
# the files they reach are expired by maintenance.py).
METADATA_PROPERTIES: Mapping[str, str] = {
    TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED: "true",
    TableProperties.METADATA_PREVIOUS_VERSIONS_MAX: "20",
}


def ensure_table(catalog: Catalog, namespace: str, layout: TableLayout) -> IcebergTable:
    """Create the table (partition spec and identifier fields with it) or bring its schema and
    properties up to date."""
    identifier = (namespace, layout.name)
    if not catalog.table_exists(identifier):
        # Another writer may create it first: same derivation, same table.
        with suppress(TableAlreadyExistsError):
            _create(catalog, identifier, layout)
    table = catalog.load_table(identifier)
    held = {field.name for field in table.schema().fields}
    wanted = set(layout.iceberg_schema.names)
    if held != wanted:
        # The Iceberg table follows sql/schema: a column added there is added here, and one
        # dropped there (its data kept in another table) is dropped here.
        with table.update_schema() as update:
            update.union_by_name(layout.iceberg_schema)
            for name in held - wanted:
                update.delete_column(name)
        table = catalog.load_table(identifier)
    if any(table.properties.get(key) != value for key, value in METADATA_PROPERTIES.items()):
        with table.transaction() as transaction:
            transaction.set_properties(dict(METADATA_PROPERTIES))
        table = catalog.load_table(identifier)
    return table


def _create(catalog: Catalog, identifier: tuple[str, str], layout: TableLayout) -> None:
    properties = dict(METADATA_PROPERTIES)
    if layout.agent is not None:
        # Exact bounds (not the default 16-character prefix) let a replace of one agent's rows
        # drop its files from their statistics instead of reading every file to filter it:
        # agent names run longer than 16 characters.
        properties[f"write.metadata.metrics.column.{layout.agent.name}"] = "full"
    transaction = catalog.create_table_transaction(
        identifier, schema=layout.iceberg_schema, properties=properties
    )
    if layout.agent is not None:
        with transaction.update_spec() as spec:
            spec.add_identity(layout.agent.name)
    keys = layout.keys
    # Iceberg records a primary key only over required columns.
    if keys and all(not layout.schema.field(key).nullable for key in keys):
        with transaction.update_schema() as schema:
            schema.set_identifier_fields(*keys)
    transaction.commit_transaction()
