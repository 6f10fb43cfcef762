"""The code location: each concern's definitions, assembled."""

import dagster as dg

# Modules, not their `defs`: Dagster refuses a module holding several Definitions objects.
from pipeline.exports import definitions as exports
from pipeline.ingest import definitions as ingest
from pipeline.marts import definitions as marts
from pipeline.orchestration import definitions as orchestration
from pipeline.reporting import definitions as reporting
from pipeline.resources import shared_resources
from pipeline.verification import definitions as verification


def build_definitions() -> dg.Definitions:
    """Assembled anew on each call, so resources pick up the environment of that moment."""
    return dg.Definitions.merge(
        ingest.defs,
        verification.defs,
        marts.defs,
        exports.defs,
        reporting.defs,
        orchestration.defs,
        shared_resources(),
    )


defs = build_definitions()
