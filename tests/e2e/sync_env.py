"""A sync environment: a simulator on loopback, a fresh warehouse, the real definitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline.api.models import AgentSummary, ScoringJobResponse, SessionSummary
from pipeline.definitions import build_definitions
from pipeline.simulator import SimulatorServer
from pipeline.warehouse.duckdb_warehouse import DuckDBWarehouse


@dataclass
class SyncEnv:
    simulator: SimulatorServer
    warehouse: Path
    exports: Path
    instance: dg.DagsterInstance

    def sync(self, **sync_config: Any) -> dg.ExecuteInProcessResult:
        job = build_definitions().resolve_job_def("meibel_sync")
        return job.execute_in_process(
            run_config={"ops": {"meibel_api_tables": {"config": sync_config}}},
            instance=self.instance,
            raise_on_error=False,
        )

    def open(self) -> Any:
        return DuckDBWarehouse.open(self.warehouse, read_only=True)

    # What the simulated API holds, read straight from its world.
    def agents(self) -> list[AgentSummary]:
        world = self.simulator.world
        total = world.list_agents().total
        return [a for offset in range(0, total, 100) for a in world.list_agents(offset).data]

    def sessions(self) -> dict[str, tuple[str, SessionSummary]]:
        world = self.simulator.world
        out: dict[str, tuple[str, SessionSummary]] = {}
        for agent_id in world.agent_ids:
            total = world.list_sessions(agent_id).total
            for offset in range(0, total, 100):
                for s in world.list_sessions(agent_id, offset).data:
                    out[s.session_id] = (agent_id, s)
        return out

    def jobs(self) -> list[ScoringJobResponse]:
        return self.simulator.world.find_jobs()


SyncEnvFactory = Callable[..., SyncEnv]


def memory_limit(wh: DuckDBWarehouse) -> str:
    """DuckDB's memory limit on the warehouse's connection, as DuckDB prints it."""
    return str(wh.query("SELECT current_setting('memory_limit') AS m").column("m")[0])
