"""Everything the reporting concern contributes to the code location."""

import dagster as dg

from pipeline.reporting.assets import score_report

defs = dg.Definitions(assets=[score_report])
