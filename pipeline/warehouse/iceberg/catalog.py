"""Which Iceberg catalog: pyiceberg's own configuration, or an embedded one in a local folder.

A catalog configured for the name (PYICEBERG_CATALOG__<NAME>__* variables or .pyiceberg.yaml:
a REST, Glue or SQL catalog over an S3-compatible bucket in production) is used as configured.
Without one, the embedded default: a SQLite SQL catalog and its data files in one local folder.
"""

from __future__ import annotations

from pathlib import Path

from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.utils.config import Config

from pipeline.warehouse.iceberg.defaults import DEFAULT_CATALOG, DEFAULT_EMBEDDED_DIR


def open_catalog(
    name: str = DEFAULT_CATALOG, embedded_dir: str | Path = DEFAULT_EMBEDDED_DIR
) -> Catalog:
    # Read the configuration now: pyiceberg's module-level copy is taken once, at import.
    configured = Config().get_catalog_config(name)
    if configured:
        properties = {key: value for key, value in configured.items() if isinstance(value, str)}
        return load_catalog(name, **properties)
    folder = Path(embedded_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return load_catalog(
        name,
        type="sql",
        uri=f"sqlite:///{folder / 'catalog.db'}",
        warehouse=folder.as_uri(),
    )
