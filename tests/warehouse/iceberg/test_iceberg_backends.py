"""Choosing the backend and the catalog from configuration; a commit that dies part-way."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import CommitTableResponse
from pyiceberg.table import Table as IcebergTable
from pyiceberg.table.update import TableRequirement, TableUpdate
from pyiceberg.types import ListType, StringType

from pipeline.warehouse.backends import (
    DuckDBBackend,
    IcebergBackend,
    WarehouseSettings,
    open_warehouse,
)
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse
from pipeline.warehouse.schemas import Table
from tests.warehouse.iceberg.support import (
    T1,
    agent_commit,
    contents,
    objects_in,
    quarantined,
    relations,
)

pytestmark = pytest.mark.filterwarnings("ignore:Delete operation did not match any records")

T2 = T1 + timedelta(hours=1)


def test_settings_come_from_the_environment() -> None:
    assert WarehouseSettings.from_env({}) == WarehouseSettings()
    assert WarehouseSettings().backend == "duckdb"
    settings = WarehouseSettings.from_env(
        {
            "MEIBEL_WAREHOUSE_BACKEND": "iceberg",
            "MEIBEL_ICEBERG_CATALOG": "prod",
            "MEIBEL_ICEBERG_NAMESPACE": "scores",
            "MEIBEL_ICEBERG_DIR": "/srv/iceberg",
        }
    )
    assert (settings.backend, settings.iceberg_catalog, settings.iceberg_namespace) == (
        "iceberg",
        "prod",
        "scores",
    )
    with pytest.raises(ValueError, match="backend"):
        WarehouseSettings.from_env({"MEIBEL_WAREHOUSE_BACKEND": "parquet"})


def test_duckdb_stays_the_default_backend(tmp_path: Path) -> None:
    settings = WarehouseSettings(duckdb_path=str(tmp_path / "meibel.duckdb"))
    with open_warehouse(settings) as backend:
        assert isinstance(backend, DuckDBBackend)
        backend.target.load({Table.QUARANTINE: quarantined("s-1")}, T1)
        with backend.query_engine() as engine:
            assert engine is backend.target
            assert engine.row_count("quarantine") == 1


def test_without_a_configured_catalog_iceberg_is_embedded_in_a_local_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .pyiceberg.yaml here
    monkeypatch.setenv("PYICEBERG_HOME", str(tmp_path))
    settings = WarehouseSettings(backend="iceberg", iceberg_dir=str(tmp_path / "iceberg"))
    with open_warehouse(settings) as backend:
        assert isinstance(backend, IcebergBackend)
        backend.target.commit_agent(agent_commit("a", 6.0), T1)
    # A second run, a second catalog client: the same tables.
    with open_warehouse(settings) as backend, backend.query_engine() as engine:
        assert engine.row_count("sessions") == 2
    assert (tmp_path / "iceberg" / "catalog.db").is_file()
    assert list((tmp_path / "iceberg" / "meibel" / "sessions" / "data").glob("agent_id=a/*"))


def test_a_catalog_configured_for_pyiceberg_is_used_as_configured(
    catalog_properties: dict[str, str],
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYICEBERG_HOME", str(tmp_path))
    for key, value in catalog_properties.items():
        name = key.replace(".", "__").replace("-", "_").upper()
        monkeypatch.setenv(f"PYICEBERG_CATALOG__PROD__{name}", value)
    settings = WarehouseSettings(
        backend="iceberg", iceberg_catalog="prod", iceberg_dir=str(tmp_path / "unused")
    )
    with open_warehouse(settings) as backend:
        backend.target.commit_agent(agent_commit("a", 6.0), T1)
    assert not (tmp_path / "unused").exists()
    assert any(
        key.startswith("warehouse/meibel/sessions/") for key in objects_in(s3_endpoint, bucket)
    )


class FailingCatalog(SqlCatalog):
    """A real SQL catalog where commits of one table fail, as if the run died there."""

    def __init__(self, table: str, **properties: str) -> None:
        super().__init__("meibel", **properties)
        self.table = table
        self.attempts: Counter[str] = Counter()

    def commit_table(
        self,
        table: IcebergTable,
        requirements: tuple[TableRequirement, ...],
        updates: tuple[TableUpdate, ...],
    ) -> CommitTableResponse:
        name = table.name()[-1]
        self.attempts[name] += 1
        if name == self.table:
            raise ConnectionError(f"lost the catalog while committing {name}")
        return super().commit_table(table, requirements, updates)


def test_a_commit_dying_part_way_leaves_the_position_and_is_redone_idempotently(
    catalog_properties: dict[str, str], iceberg: IcebergWarehouse
) -> None:
    iceberg.commit_agent(agent_commit("a", 6.0), T1)
    dying = IcebergWarehouse(FailingCatalog("scoring_jobs", **catalog_properties))

    with pytest.raises(ConnectionError):
        dying.commit_agent(agent_commit("a", 8.0), T2)

    # The other data tables landed; the agent's read position did not move, and was not even
    # attempted.
    assert dying.catalog.attempts["sessions"] == 1
    assert dying.catalog.attempts["sync_state"] == 0
    with iceberg.query_engine() as engine:
        state = engine.query("SELECT synced_at FROM sync_state").to_pylist()
        assert state == [{"synced_at": T1}]
        assert engine.query("SELECT DISTINCT score FROM scoring_jobs")["score"].to_pylist() == [6.0]

    # The next attempt at it redoes the whole commit over what landed, and ends where one
    # commit would have.
    iceberg.commit_agent(agent_commit("a", 8.0), T2)
    duck = DuckDBWarehouse(duckdb.connect(":memory:"))
    duck.apply_schema()
    duck.commit_agent(agent_commit("a", 6.0), T1)
    duck.commit_agent(agent_commit("a", 8.0), T2)
    with iceberg.query_engine() as engine:
        for name in relations(duck):
            assert contents(engine, name) == contents(duck, name), name


def test_iceberg_tables_follow_columns_added_and_dropped_in_the_schema(
    catalog: SqlCatalog, iceberg: IcebergWarehouse
) -> None:
    # The agent summaries as an Iceberg catalog made before their job ids had a table of their
    # own held them: a list column, and no count.
    table = catalog.load_table(("meibel", "api_agent_summaries"))
    with table.update_schema() as update:
        update.add_column("job_ids", ListType(1, StringType(), element_required=False))
        update.delete_column("n_job_ids")
    IcebergWarehouse(catalog).commit_agent(agent_commit("a", 6.0), T1)
    columns = [field.name for field in catalog.load_table(table.name()).schema().fields]
    assert "job_ids" not in columns
    assert "n_job_ids" in columns
    with iceberg.query_engine() as engine:
        assert engine.row_count("api_agent_summary_job_ids") > 0
