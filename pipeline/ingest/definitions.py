"""Everything the ingest concern contributes to the code location."""

import dagster as dg

from pipeline.ingest.assets import meibel_api_tables
from pipeline.ingest.checks import (
    jobs_have_sessions,
    no_new_quarantined_records,
    primary_keys_unique,
    scores_within_scale,
)

defs = dg.Definitions(
    assets=[meibel_api_tables],
    asset_checks=[
        primary_keys_unique,
        scores_within_scale,
        jobs_have_sessions,
        no_new_quarantined_records,
    ],
)
