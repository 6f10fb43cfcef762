"""A faithful simulator of the Meibel API v2, served over real HTTP on loopback.

`SimulatorServer(SimulatorConfig(...))` runs it in a background thread for tests;
`serve(config, host, port)` runs it in the foreground for the CLI. It can misbehave on
purpose: a per-key rate limit (`rate_limit`) and named fault profiles (`fault_profile`,
listed in `FAULT_PROFILES` and described in `pipeline.simulator.faults`).
"""

from pipeline.simulator.app import create_app
from pipeline.simulator.faults import (
    FAULT_KINDS,
    FAULT_PROFILES,
    FaultInjector,
    FaultKind,
    FaultProfile,
    FaultSettings,
    ScriptedFault,
)
from pipeline.simulator.ratelimit import Quota, RateLimiter
from pipeline.simulator.server import Simulator, SimulatorConfig, SimulatorServer, serve
from pipeline.simulator.stats import RequestStats, StatsSnapshot
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
    "FAULT_KINDS",
    "FAULT_PROFILES",
    "MAX_PAGE_SIZE",
    "AdvanceReport",
    "FaultInjector",
    "FaultKind",
    "FaultProfile",
    "FaultSettings",
    "Quota",
    "RateLimiter",
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
