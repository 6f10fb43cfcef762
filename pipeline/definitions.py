"""The code location: each concern's definitions, assembled."""

import dagster as dg

from pipeline.exports.definitions import defs as exports_defs
from pipeline.ingest.definitions import defs as ingest_defs
from pipeline.orchestration.definitions import defs as orchestration_defs
from pipeline.resources import shared_resources
from pipeline.verification.definitions import defs as verification_defs


def build_definitions() -> dg.Definitions:
    """Assembled anew on each call, so resources pick up the environment of that moment."""
    return dg.Definitions.merge(
        ingest_defs, verification_defs, exports_defs, orchestration_defs, shared_resources()
    )


defs = build_definitions()
