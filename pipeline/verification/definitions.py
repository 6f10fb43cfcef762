"""Everything the verification concern contributes to the code location."""

import dagster as dg

from pipeline.verification.assets import score_summary_views, summary_reconciliation
from pipeline.verification.checks import summaries_match_api

defs = dg.Definitions(
    assets=[score_summary_views, summary_reconciliation],
    asset_checks=[summaries_match_api],
)
