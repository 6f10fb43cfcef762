"""Agents as Dagster partitions: each agent's sync a run (and a step) of its own.

Keyed by agent id, which the API never changes (names may hold characters Dagster's partition
keys are awkward with). New agents are registered from the agents list by a sensor.
"""

import dagster as dg

AGENT_PARTITIONS_NAME = "meibel_agents"
AGENT_PARTITIONS = dg.DynamicPartitionsDefinition(name=AGENT_PARTITIONS_NAME)
