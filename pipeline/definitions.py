"""The code location: each concern's definitions, assembled."""

import dagster as dg

# Modules, not their `defs`: Dagster refuses a module holding several Definitions objects.
from pipeline.exports import definitions as exports
from pipeline.ingest.definitions import ingest_definitions
from pipeline.marts import definitions as marts
from pipeline.orchestration.definitions import orchestration_definitions
from pipeline.reporting import definitions as reporting
from pipeline.resources import shared_resources
from pipeline.verification import definitions as verification
from pipeline.warehouse.backends import WarehouseSettings


def build_definitions() -> dg.Definitions:
    """Assembled anew on each call, so resources and the backend switch
    (MEIBEL_WAREHOUSE_BACKEND) pick up the environment of that moment."""
    # Iceberg tables take many writers: agents sync in runs of their own. The DuckDB file
    # takes one: a single run syncs every agent.
    per_agent = WarehouseSettings.from_env().backend == "iceberg"
    return dg.Definitions.merge(
        ingest_definitions(per_agent),
        verification.defs,
        marts.defs,
        exports.defs,
        reporting.defs,
        orchestration_definitions(per_agent),
        shared_resources(),
    )


defs = build_definitions()
