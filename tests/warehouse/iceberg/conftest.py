"""Fixtures of the Iceberg backend's tests: object storage for real, on loopback.

moto's standalone S3-compatible server runs for the session on a free loopback port; each test
gets a bucket of its own on it and a SQL catalog (a SQLite file in the test's folder) whose
warehouse is in that bucket, reached through pyarrow's S3 filesystem like any S3 endpoint.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pyiceberg.catalog.sql import SqlCatalog

from pipeline.warehouse.iceberg.warehouse import IcebergWarehouse

ACCESS_KEY = "meibel-test-key"
SECRET_KEY = "meibel-test-secret"
REGION = "us-east-1"
_buckets = itertools.count()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    # Its request log says nothing a failing test needs, and buries what does.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, worker_id: str) -> str:
    name = f"meibel-{worker_id}-{next(_buckets)}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def catalog_properties(s3_endpoint: str, bucket: str, tmp_path: Path) -> dict[str, str]:
    """A SQL catalog in a local SQLite file, its warehouse in the bucket."""
    return {
        "uri": f"sqlite:///{tmp_path / 'catalog.db'}",
        "warehouse": f"s3://{bucket}/warehouse",
        "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO",
        "s3.endpoint": s3_endpoint,
        "s3.access-key-id": ACCESS_KEY,
        "s3.secret-access-key": SECRET_KEY,
        "s3.region": REGION,
    }


@pytest.fixture
def catalog(catalog_properties: dict[str, str]) -> Iterator[SqlCatalog]:
    with SqlCatalog("meibel", **catalog_properties) as catalog:
        yield catalog


@pytest.fixture
def iceberg(catalog: SqlCatalog) -> IcebergWarehouse:
    return IcebergWarehouse(catalog)


@pytest.fixture
def iceberg_environment(
    monkeypatch: pytest.MonkeyPatch, catalog_properties: dict[str, str]
) -> dict[str, str]:
    """The switch to the Iceberg backend, set as an operator sets it: the backend's name, and
    the catalog in pyiceberg's own PYICEBERG_CATALOG__MEIBEL__* variables."""
    environment = {
        "MEIBEL_WAREHOUSE_BACKEND": "iceberg",
        **{
            f"PYICEBERG_CATALOG__MEIBEL__{name.upper().replace('.', '__').replace('-', '_')}": value
            for name, value in catalog_properties.items()
        },
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment
