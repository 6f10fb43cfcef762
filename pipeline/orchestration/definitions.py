"""Everything the orchestration concern contributes to the code location."""

import dagster as dg

from pipeline.orchestration.freshness import freshness_checks, freshness_sensor
from pipeline.orchestration.jobs import hourly_sync, meibel_sync

defs = dg.Definitions(
    jobs=[meibel_sync],
    schedules=[hourly_sync],
    sensors=[freshness_sensor],
    asset_checks=freshness_checks,
    executor=dg.in_process_executor,
)
