"""The Iceberg backend's default names, apart from the backend so that naming them loads no
pyiceberg: a run on the DuckDB file never imports it (13 MB and 0.6 s saved at every start)."""

from __future__ import annotations

# The catalog's name when no setting gives one, the embedded catalog's folder, and the
# namespace of the tables.
DEFAULT_CATALOG = "meibel"
DEFAULT_EMBEDDED_DIR = "data/iceberg"
DEFAULT_NAMESPACE = "meibel"
