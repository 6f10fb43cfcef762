"""Everything the ingest concern contributes to the code location."""

import dagster as dg

from pipeline.ingest.assets import api_tables_asset
from pipeline.ingest.checks import (
    jobs_have_sessions,
    no_new_quarantined_records,
    primary_keys_unique,
    scores_within_scale,
)
from pipeline.ingest.partitions import AGENT_PARTITIONS


def ingest_definitions(per_agent: bool) -> dg.Definitions:
    """With `per_agent`, the sync step is partitioned by agent (the Iceberg backend's runs)."""
    return dg.Definitions(
        assets=[api_tables_asset(AGENT_PARTITIONS if per_agent else None)],
        asset_checks=[
            primary_keys_unique,
            scores_within_scale,
            jobs_have_sessions,
            no_new_quarantined_records,
        ],
    )
