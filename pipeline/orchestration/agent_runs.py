"""Per-agent runs, for a warehouse many runs may write at once (the Iceberg backend).

Each agent's extraction and load is a run of `meibel_agent_sync` for the agent's partition, so
a backfill or a sync fans out, and an agent that fails is retried on its own. The runs share
the API key: the `meibel_api` concurrency pool (dagster.yaml) bounds how many sync steps run at
once, and each run's client paces itself by the rate-limit headers the key's responses carry.
Once the agents are in, `meibel_verify` recomputes the summaries, reconciles, and exports.
"""

import asyncio
import os
from datetime import UTC, datetime
from typing import Final

import dagster as dg

from pipeline.api.resource import MeibelApiResource
from pipeline.ingest.assets import API_GROUP, API_POOL
from pipeline.ingest.partitions import AGENT_PARTITIONS, AGENT_PARTITIONS_NAME

ENV_EXECUTOR: Final = "MEIBEL_EXECUTOR"
AGENT_SYNC_JOB: Final = "meibel_agent_sync"
VERIFY_JOB: Final = "meibel_verify"
AGENTS_SENSOR: Final = "meibel_agents_sensor"


def agent_run_executor() -> dg.ExecutorDefinition:
    """The executor MEIBEL_EXECUTOR names: in_process (the default), multiprocess, or k8s
    (each step a Kubernetes job; dagster-k8s is installed in the deployment image only)."""
    kind = os.environ.get(ENV_EXECUTOR, "in_process")
    if kind == "in_process":
        return dg.in_process_executor
    if kind == "multiprocess":
        return dg.multiprocess_executor
    if kind == "k8s":
        from dagster_k8s import k8s_job_executor  # type: ignore[import-not-found]

        executor: dg.ExecutorDefinition = k8s_job_executor
        return executor
    raise ValueError(f"{ENV_EXECUTOR} must be in_process, multiprocess or k8s, not {kind!r}")


_API_TABLES = dg.AssetSelection.groups(API_GROUP)

meibel_agent_sync = dg.define_asset_job(
    AGENT_SYNC_JOB,
    # Partitioned by agent as its assets are (AGENT_PARTITIONS). One step: the tables' checks
    # judge every agent's rows at once, so they run once, in `meibel_verify`, not per agent.
    selection=_API_TABLES.without_checks(),
    description="Sync one agent (the run's partition) into the warehouse.",
)

meibel_verify = dg.define_asset_job(
    VERIFY_JOB,
    # Everything but the tables themselves: their checks stay.
    selection=dg.AssetSelection.all() - _API_TABLES.without_checks(),
    description=(
        "Check the tables the agents' runs wrote, recompute the API's summaries, reconcile them, "
        "rebuild marts and exports."
    ),
)


@dg.sensor(
    name=AGENTS_SENSOR,
    job=meibel_agent_sync,
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Hourly: register new agents as partitions, and ask for a sync run of each.",
)
def meibel_agents_sensor(
    context: dg.SensorEvaluationContext, meibel_api: MeibelApiResource
) -> dg.SensorResult:
    async def agent_ids() -> list[str]:
        async with meibel_api.client() as client:
            return [agent.id for agent in await client.list_agents()]

    ids = asyncio.run(agent_ids())
    # The runs this tick asks for start at once, and each one whose step finds the pool without
    # a limit creates it: on PostgreSQL two such inserts race, and Dagster's recovery from the
    # loser's unique violation fails its run. Created here, by the one sensor, they never race.
    storage = context.instance.event_log_storage
    if API_POOL not in storage.get_concurrency_keys():
        storage.initialize_concurrency_limit_to_default(API_POOL)
    known = set(context.instance.get_dynamic_partitions(AGENT_PARTITIONS_NAME))
    new = [agent_id for agent_id in ids if agent_id not in known]
    # One run per agent per tick: the key keeps a re-evaluated tick from asking twice.
    tick = datetime.now(UTC).strftime("%Y-%m-%dT%H")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=agent_id, run_key=f"{agent_id}@{tick}") for agent_id in ids
        ],
        dynamic_partitions_requests=[AGENT_PARTITIONS.build_add_request(new)] if new else [],
    )


def agents_sensor_tick(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[str]:
    """One tick of the agents sensor outside the daemon (the CLI's sync): registers the agents
    as partitions, and gives the partition keys it asks to run."""
    sensor = defs.resolve_sensor_def(AGENTS_SENSOR)
    with dg.build_sensor_context(instance=instance, resources=defs.resources) as context:
        tick = sensor(context)
    assert isinstance(tick, dg.SensorResult)
    for request in tick.dynamic_partitions_requests or []:
        assert isinstance(request, dg.AddDynamicPartitionsRequest)
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return [str(request.partition_key) for request in tick.run_requests or []]


verify_hourly = dg.ScheduleDefinition(
    name="meibel_verify_hourly",
    job=meibel_verify,
    cron_schedule="30 * * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Half past every hour, after the agents' runs: reconcile, marts, exports.",
)


def agent_sync_job() -> dg.JobDefinition:
    """The per-agent job as the code location builds it, for `dg.reconstructable` (a run whose
    steps go to other processes rebuilds its job from this)."""
    from pipeline.definitions import build_definitions

    return build_definitions().resolve_job_def(AGENT_SYNC_JOB)
