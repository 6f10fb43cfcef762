"""The resources every concern shares, configured from the environment at run time."""

from __future__ import annotations

import os

import dagster as dg

from pipeline.api.resource import MeibelApiResource
from pipeline.warehouse.backends import (
    ENV_BACKEND,
    ENV_ICEBERG_CATALOG,
    ENV_ICEBERG_DIR,
    ENV_ICEBERG_NAMESPACE,
    WarehouseSettings,
)
from pipeline.warehouse.resource import DEFAULT_EXPORT_DIR, DEFAULT_WAREHOUSE, WarehouseResource

ENV_BASE_URL = "MEIBEL_BASE_URL"
ENV_API_KEY = "MEIBEL_API_KEY"
ENV_WAREHOUSE = "MEIBEL_WAREHOUSE"
ENV_EXPORT_DIR = "MEIBEL_EXPORT_DIR"
ENV_LOCK_TIMEOUT = "MEIBEL_LOCK_TIMEOUT_S"


def _env_or(name: str, default: str) -> str | dg.EnvVar:
    # An unset EnvVar fails the run, so optional settings fall back to their defaults.
    return dg.EnvVar(name) if name in os.environ else default


def shared_resources() -> dg.Definitions:
    settings = WarehouseSettings()
    return dg.Definitions(
        resources={
            "meibel_api": MeibelApiResource(
                base_url=_env_or(ENV_BASE_URL, MeibelApiResource.model_fields["base_url"].default),
                api_key=dg.EnvVar(ENV_API_KEY),
            ),
            "warehouse": WarehouseResource(
                backend=_env_or(ENV_BACKEND, settings.backend),
                path=_env_or(ENV_WAREHOUSE, DEFAULT_WAREHOUSE),
                iceberg_catalog=_env_or(ENV_ICEBERG_CATALOG, settings.iceberg_catalog),
                iceberg_namespace=_env_or(ENV_ICEBERG_NAMESPACE, settings.iceberg_namespace),
                iceberg_dir=_env_or(ENV_ICEBERG_DIR, settings.iceberg_dir),
                export_dir=_env_or(ENV_EXPORT_DIR, DEFAULT_EXPORT_DIR),
                lock_timeout_s=(
                    dg.EnvVar.int(ENV_LOCK_TIMEOUT)
                    if ENV_LOCK_TIMEOUT in os.environ
                    else WarehouseResource.model_fields["lock_timeout_s"].default
                ),
            ),
        }
    )
