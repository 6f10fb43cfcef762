"""Everything the orchestration concern contributes to the code location."""

import dagster as dg

from pipeline.orchestration.agent_runs import (
    agent_run_executor,
    meibel_agent_sync,
    meibel_agents_sensor,
    meibel_verify,
    verify_hourly,
)
from pipeline.orchestration.freshness import freshness_checks, freshness_sensor
from pipeline.orchestration.jobs import hourly_sync, meibel_sync
from pipeline.orchestration.maintenance import maintenance_daily, meibel_iceberg_maintenance


def orchestration_definitions(per_agent: bool) -> dg.Definitions:
    """One run syncing every agent (the DuckDB file's single writer), or a run per agent."""
    if per_agent:
        return dg.Definitions(
            jobs=[meibel_agent_sync, meibel_verify, meibel_iceberg_maintenance],
            schedules=[verify_hourly, maintenance_daily],
            sensors=[meibel_agents_sensor, freshness_sensor],
            asset_checks=freshness_checks,
            executor=agent_run_executor(),
        )
    return dg.Definitions(
        jobs=[meibel_sync],
        schedules=[hourly_sync],
        sensors=[freshness_sensor],
        asset_checks=freshness_checks,
        executor=dg.in_process_executor,
    )
