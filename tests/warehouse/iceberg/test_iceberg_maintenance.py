"""Expiring old snapshots on the Iceberg backend: the tables read the same, the bucket shrinks.

Two syncs leave several snapshots per table and the first sync's replaced files in the bucket.
Expiring everything older than now keeps each table's current snapshot only, deletes exactly
the files no kept snapshot reaches, and changes nothing a reader sees; the same runs through the
code location's maintenance job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipeline.definitions import build_definitions
from pipeline.orchestration.maintenance import MAINTENANCE_JOB
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.backends import WarehouseSettings, open_warehouse
from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse
from tests.warehouse.iceberg.support import contents, objects_in, relations
from tests.warehouse.iceberg.test_iceberg_sync import sync

pytestmark = pytest.mark.filterwarnings("ignore:Delete operation did not match any records")


def snapshot_counts(iceberg: IcebergWarehouse) -> dict[str, int]:
    return {
        name: len(iceberg.catalog.load_table((iceberg.namespace, name)).metadata.snapshots)
        for name in iceberg.layouts
    }


def everything(iceberg: IcebergWarehouse) -> dict[str, object]:
    with iceberg.query_engine() as wh:
        return {name: contents(wh, name) for name in relations(wh)}


def data_files(s3_endpoint: str, bucket: str) -> set[str]:
    # Not the empty "folder" markers pyarrow's S3 filesystem leaves when it empties a prefix.
    return {
        key for key in objects_in(s3_endpoint, bucket) if "/data/" in key and not key.endswith("/")
    }


def test_expiring_keeps_what_readers_see_and_deletes_what_nothing_reaches(
    iceberg: IcebergWarehouse, simulator: SimulatorServer, s3_endpoint: str, bucket: str
) -> None:
    sync(simulator, iceberg, datetime.now(UTC))
    simulator.world.advance(90)
    sync(simulator, iceberg, datetime.now(UTC))
    before = everything(iceberg)
    snapshots = snapshot_counts(iceberg)
    assert max(snapshots.values()) > 1
    files_before = data_files(s3_endpoint, bucket)

    # Nothing is old enough a day back: nothing goes.
    assert not any(e.snapshots for e in iceberg.expire_snapshots(datetime.now(UTC) - timedelta(1)))
    expired = iceberg.expire_snapshots(datetime.now(UTC) + timedelta(seconds=1))

    assert snapshot_counts(iceberg) == {name: min(1, count) for name, count in snapshots.items()}
    assert {e.table: e.snapshots for e in expired} == {
        name: max(0, count - 1) for name, count in snapshots.items()
    }
    files_after = data_files(s3_endpoint, bucket)
    assert files_after < files_before
    # Every data file the current snapshots reach is still there, and nothing else is.
    live = {
        task.file.file_path.removeprefix(f"s3://{bucket}/")
        for name in iceberg.layouts
        for task in iceberg.catalog.load_table((iceberg.namespace, name)).scan().plan_files()
    }
    assert files_after == live
    assert everything(iceberg) == before


def test_the_maintenance_job_expires_through_the_configured_backend(
    iceberg_environment: dict[str, str],
    simulator: SimulatorServer,
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
) -> None:
    with open_warehouse(WarehouseSettings.from_env()) as backend:
        assert isinstance(backend.target, IcebergWarehouse)
        for _ in range(2):
            sync(simulator, backend.target, datetime.now(UTC))
            simulator.world.advance(90)
    files_before = data_files(s3_endpoint, bucket)

    job = build_definitions().resolve_job_def(MAINTENANCE_JOB)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = job.execute_in_process(
            instance=instance,
            run_config={"ops": {"expire_snapshots": {"config": {"keep_days": 1e-9}}}},
        )
    assert result.success
    removed = files_before - data_files(s3_endpoint, bucket)
    assert removed
    # The count the job reports takes in the manifests and manifest lists it deleted too.
    assert result.output_for_node("expire_snapshots") > len(removed)
