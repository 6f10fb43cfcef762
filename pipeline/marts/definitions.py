"""Everything the marts concern contributes to the code location."""

import dagster as dg

from pipeline.marts.assets import marts

defs = dg.Definitions(assets=[marts])
