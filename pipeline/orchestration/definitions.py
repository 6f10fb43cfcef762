"""Everything the orchestration concern contributes to the code location."""

import dagster as dg

from pipeline.orchestration.jobs import hourly_sync, meibel_sync

defs = dg.Definitions(jobs=[meibel_sync], schedules=[hourly_sync], executor=dg.in_process_executor)
