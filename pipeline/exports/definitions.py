"""Everything the exports concern contributes to the code location."""

import dagster as dg

from pipeline.exports.assets import parquet_exports

defs = dg.Definitions(assets=[parquet_exports])
