"""A faithful simulator of the Meibel API v2, served over real HTTP on loopback.

`SimulatorServer(SimulatorConfig(...))` runs it in a background thread for tests;
`serve(config, host, port)` runs it in the foreground for the CLI.
"""

from pipeline.simulator.app import create_app
from pipeline.simulator.faults import (
    FaultInjector,
    FaultKind,
    FaultSettings,
    RequestStats,
    ScriptedFault,
    StatsSnapshot,
)
from pipeline.simulator.server import Simulator, SimulatorConfig, SimulatorServer, serve
from pipeline.simulator.world import (
    AGENT_NAMES,
    MAX_PAGE_SIZE,
    AdvanceReport,
    World,
    WorldCounts,
    WorldSpec,
)

__all__ = [
    "AGENT_NAMES",
    "MAX_PAGE_SIZE",
    "AdvanceReport",
    "FaultInjector",
    "FaultKind",
    "FaultSettings",
    "RequestStats",
    "ScriptedFault",
    "Simulator",
    "SimulatorConfig",
    "SimulatorServer",
    "StatsSnapshot",
    "World",
    "WorldCounts",
    "WorldSpec",
    "create_app",
    "serve",
]
