"""The six scenarios: each starts a simulator process, runs every contender, checks targets.

Requests are counted by the simulator (`/_simulator/stats`, reset before each contender): every
/v2 request it received, 429s included; so the count is the same whoever the contender is.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import duckdb

from benchmarks import floor
from benchmarks.measure import ProcessRun, run
from benchmarks.simulator import SimulatorProcess
from pipeline.api.resource import MeibelApiResource
from pipeline.simulator.server import SimulatorConfig

SESSION_SUMMARY: Final = "/v2/confidence-scoring/summary/agent/{agent_name}/session/{session_id}"
# How often a new session arrives per agent in the simulated world, on average (world.py).
MINUTES_PER_SESSION: Final = 20.0

OURS: Final = "ours (library)"
OURS_CLI: Final = "ours (CLI)"
DLT: Final = "dlt rest_api"
SDK: Final = "meibel SDK loop"
FLOOR: Final = "floor"
PEERS: Final = (DLT, SDK)


@dataclass(frozen=True)
class Settings:
    agents: int = 4
    sessions: int = 500
    jobs: float = 6.0
    latency: float = 0.025
    # Session summaries reconciled per sync (`--verify-sessions N`), in every scenario but 4.
    verify: int = 40
    new_fraction: float = 0.01
    rate_limit: str = "300/minute"
    # Scenario 4's sample: large enough that ours makes more requests than one window admits.
    rate_verify: int = 400
    big_agents: int = 20
    big_sessions: int = 10_000
    big_jobs: float = 5.0
    summary_jobs: int = 5_000_000
    summary_sessions: int = 1_000_000
    summary_agents: int = 20
    # A peer still running after this long is stopped; its figures are then lower bounds.
    peer_timeout_s: float = 300.0
    # Targets (from the issue).
    s1_max_requests: int = 60
    s1_min_speedup: float = 10.0
    s4_max_over_floor: float = 0.10
    s5_min_jobs_per_s: float = 150_000.0
    s5_max_peak_mb: float = 500.0
    s6_max_reconcile_s: float = 3.0
    s6_max_lookup_s: float = 0.050

    @classmethod
    def quick(cls) -> Settings:
        """Tiny sizes for a smoke run: every scenario and contender in well under a minute."""
        return cls(
            agents=2,
            sessions=30,
            jobs=3.0,
            latency=0.005,
            verify=4,
            new_fraction=0.1,
            rate_limit="10/second",
            rate_verify=10,
            big_agents=3,
            big_sessions=200,
            big_jobs=4.0,
            summary_jobs=20_000,
            summary_sessions=4_000,
            summary_agents=4,
            peer_timeout_s=60.0,
        )

    def scaled(self, factor: float) -> Settings:
        """Every session and job count times `factor` (agents and latency as they are)."""
        return replace(
            self,
            sessions=max(1, round(self.sessions * factor)),
            big_sessions=max(1, round(self.big_sessions * factor)),
            summary_jobs=max(1, round(self.summary_jobs * factor)),
            summary_sessions=max(1, round(self.summary_sessions * factor)),
        )

    @property
    def concurrency(self) -> int:
        """Requests in flight at once: our client's default, used for the floor too."""
        return int(MeibelApiResource.model_fields["max_in_flight"].default)


@dataclass
class Row:
    contender: str
    requests: int | None = None
    session_summaries: int | None = None
    rate_limited: int | None = None
    # The simulator's own time on this contender's answers (Server-Timing, summed).
    simulator_s: float | None = None
    wall_s: float | None = None
    process_s: float | None = None
    peak_mb: float | None = None
    jobs: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    name: str
    passed: bool | None  # None: could not be measured
    detail: str


@dataclass
class ScenarioResult:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def row(self, contender: str) -> Row | None:
        return next((r for r in self.rows if r.contender == contender), None)


class Bench:
    """Runs contenders against a simulator process, each in its own workdir."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir

    def contender(
        self,
        name: str,
        sim: SimulatorProcess,
        workdir: Path,
        verify: str,
        timeout_s: float | None = None,
        before: Callable[[], None] | None = None,
    ) -> Row:
        workdir.mkdir(parents=True, exist_ok=True)
        if before is not None:
            before()
        sim.reset_counts()
        if name == OURS_CLI:
            process = self._cli(sim, workdir, verify, timeout_s)
        else:
            kind = {OURS: "ours", DLT: "dlt", SDK: "sdk"}[name]
            args = {
                "base_url": sim.base_url,
                "api_key": sim.api_key,
                "workdir": str(workdir),
                "verify_sessions": verify,
            }
            argv = [sys.executable, "-m", "benchmarks.contenders", kind, json.dumps(args)]
            process = run(argv, timeout_s=timeout_s)
        row = _row(name, process, sim.stats(), workdir)
        row.simulator_s = float(sim.cache_stats()["server_time_s"])
        return row

    def _cli(
        self, sim: SimulatorProcess, workdir: Path, verify: str, timeout_s: float | None
    ) -> ProcessRun:
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(
            MEIBEL_BASE_URL=sim.base_url,
            MEIBEL_API_KEY=sim.api_key,
            MEIBEL_WAREHOUSE=str(workdir / "cli.duckdb"),
            MEIBEL_EXPORT_DIR=str(workdir / "exports"),
        )
        cli = str(Path(sys.executable).with_name("meibel-pipeline"))
        return run([cli, "sync", "--verify-sessions", verify], env=env, timeout_s=timeout_s)


def _row(name: str, process: ProcessRun, stats: dict[str, Any], workdir: Path) -> Row:
    result = process.result
    notes: list[str] = []
    if process.timed_out:
        notes.append(f"stopped after {process.process_s:.0f}s: figures are lower bounds")
    elif process.returncode != 0:
        last = process.stderr_tail.strip().splitlines()[-1:] or [""]
        notes.append(f"exit {process.returncode}: {last[0][:120]}")
    jobs = result.get("rows", {}).get("scoring_jobs")
    if name == OURS_CLI:
        jobs = _cli_jobs(workdir / "cli.duckdb")
    if result.get("mismatched"):
        notes.append(f"{result['mismatched']} summaries mismatched")
    if "sync_s" in result:
        notes.append(f"sync {result['sync_s']:.2f}s + reconcile {result['reconcile_s']:.2f}s")
    return Row(
        contender=name,
        requests=int(stats["total"]),
        session_summaries=int(stats["by_endpoint"].get(SESSION_SUMMARY, 0)),
        rate_limited=int(stats["rate_limited"]),
        # The CLI is measured end to end: interpreter, Dagster, marts, exports and all.
        wall_s=float(result.get("work_s", process.process_s)),
        process_s=process.process_s,
        peak_mb=process.max_rss_mb,
        jobs=jobs,
        note="; ".join(notes),
        extra={k: v for k, v in result.items() if k not in ("work_s", "rows")},
    )


def _cli_jobs(path: Path) -> int | None:
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM scoring_jobs").fetchone()
    return int(row[0]) if row else None


def _floor_row(found: floor.Floor, note: str) -> Row:
    return Row(FLOOR, requests=found.requests, wall_s=found.seconds, note=note)


def _extraction(row: Row | None) -> int | None:
    """Requests less the session-summary sample, which the user sizes."""
    if row is None or row.requests is None or row.session_summaries is None:
        return None
    return row.requests - row.session_summaries


def incremental_scenarios(bench: Bench, last: int = 3) -> list[ScenarioResult]:
    """Scenarios 1-3 on one world: a full sync, the same again, then after 1% new sessions.

    Each needs the ones before it; `last` says where to stop.
    """
    s = bench.settings
    config = SimulatorConfig(
        seed=7,
        agents=s.agents,
        sessions_per_agent=s.sessions,
        jobs_per_session=s.jobs,
        latency=s.latency,
        api_key="bench-key",
    )
    contenders = (OURS, OURS_CLI, DLT, SDK)
    dirs = {name: bench.workdir / "s123" / name.replace(" ", "_") for name in contenders}
    verify = str(s.verify)
    results: list[ScenarioResult] = []
    with SimulatorProcess(config) as sim:
        world = floor.snapshot(sim.base_url, sim.api_key)
        first = floor.full(len(world), [len(a.sessions) for a in world], s.latency, s.concurrency)
        s1 = ScenarioResult(
            "1",
            f"Full sync: {s.agents} agents x {s.sessions} sessions x ~{s.jobs:g} jobs, "
            f"{s.latency * 1000:g} ms latency",
        )
        s1.rows = [bench.contender(n, sim, dirs[n], verify, s.peer_timeout_s) for n in contenders]
        s1.rows.append(_floor_row(first, "agent pages + session pages + jobs + agent summary"))
        s1.facts = {
            "jobs_in_world": sim.world()["jobs"],
            "session_summary_sample": s.verify,
            "floor_rounds": first.rounds,
        }
        ours = s1.row(OURS)
        extraction = _extraction(ours)
        s1.targets.append(
            Target(
                f"ours <= {s.s1_max_requests} requests for extraction + agent verification",
                None if extraction is None else extraction <= s.s1_max_requests,
                f"{extraction} requests, plus {ours.session_summaries if ours else '?'} "
                f"session summaries (--verify-sessions {s.verify})",
            )
        )
        s1.targets.append(_speedup_target(s1, DLT, s.s1_min_speedup))
        results.append(s1)
        if last < 2:
            return results

        s2 = ScenarioResult(
            "2",
            "Same data again, nothing changed (dlt and the SDK loop have no incremental mode "
            "for this API: they rerun their full load)",
        )
        again = floor.incremental(world, world, s.latency, s.concurrency)
        s2.rows = [bench.contender(n, sim, dirs[n], verify, s.peer_timeout_s) for n in contenders]
        s2.rows.append(_floor_row(again.floor, "incremental floor"))
        s2.facts = {"unsettled_sessions": again.sessions_to_reread}
        s2.targets.append(_incremental_target(s2, again, len(world), s.verify))
        results.append(s2)
        if last < 3:
            return results

        new_target = max(1, math.ceil(s.new_fraction * s.agents * s.sessions))
        minutes = new_target / s.agents * MINUTES_PER_SESSION
        advanced = sim.advance(minutes)
        after = floor.snapshot(sim.base_url, sim.api_key)
        later = floor.incremental(world, after, s.latency, s.concurrency)
        s3 = ScenarioResult(
            "3",
            f"After ~{s.new_fraction:.0%} new sessions (simulator clock advanced "
            f"{minutes:g} min: {later.new_sessions} new sessions)",
        )
        s3.rows = [bench.contender(n, sim, dirs[n], verify, s.peer_timeout_s) for n in contenders]
        s3.rows.append(_floor_row(later.floor, "incremental floor"))
        s3.facts = {
            "advance": advanced,
            "new_sessions": later.new_sessions,
            "sessions_to_reread": later.sessions_to_reread,
        }
        s3.targets.append(_incremental_target(s3, later, len(after), s.verify))
        results.append(s3)
    return results


def _speedup_target(result: ScenarioResult, peer: str, minimum: float) -> Target:
    ours, other = result.row(OURS), result.row(peer)
    if not (ours and other and ours.wall_s and other.wall_s):
        return Target(f"wall time >= {minimum:g}x better than {peer}", None, "not measured")
    speedup = other.wall_s / ours.wall_s
    return Target(
        f"wall time >= {minimum:g}x better than {peer}",
        speedup >= minimum,
        f"{speedup:.1f}x ({other.wall_s:.2f}s vs {ours.wall_s:.2f}s)",
    )


def _incremental_target(
    result: ScenarioResult, found: floor.Incremental, agents: int, verify: int
) -> Target:
    """<= the session pages needed + 1 jobs request per new/unsettled session + verification."""
    ours = result.row(OURS)
    budget = floor.pages_for(agents) + found.session_pages + found.sessions_to_reread + agents
    name = (
        "ours <= agent pages + session pages + 1 per new/unsettled session + agent summaries"
        f" (= {budget}), session summaries <= {verify}"
    )
    extraction = _extraction(ours)
    if ours is None or extraction is None or ours.session_summaries is None:
        return Target(name, None, "not measured")
    passed = extraction <= budget and ours.session_summaries <= verify
    return Target(
        name,
        passed,
        f"{extraction} requests + {ours.session_summaries} session summaries "
        f"(floor {found.floor.requests}; {found.sessions_to_reread} new/unsettled sessions)",
    )


def rate_limit_scenario(bench: Bench) -> ScenarioResult:
    """Scenario 4: the same world under the published Pro limit, every window starting empty."""
    s = bench.settings
    config = SimulatorConfig(
        seed=7,
        agents=s.agents,
        sessions_per_agent=s.sessions,
        jobs_per_session=s.jobs,
        latency=s.latency,
        api_key="bench-key",
        rate_limit=s.rate_limit,
    )
    result = ScenarioResult(
        "4",
        f"Full sync under a {s.rate_limit} rate limit (ours reconciles {s.rate_verify} session "
        "summaries, so that it needs more than one window)",
    )
    with SimulatorProcess(config) as sim:
        world = floor.snapshot(sim.base_url, sim.api_key)
        unlimited = floor.full(
            len(world), [len(a.sessions) for a in world], s.latency, s.concurrency
        )

        def fresh_window() -> None:
            sim.set_rate_limit(s.rate_limit)

        verify = str(s.rate_verify)
        for name in (OURS, OURS_CLI, DLT, SDK):
            workdir = bench.workdir / "s4" / name.replace(" ", "_")
            row = bench.contender(name, sim, workdir, verify, s.peer_timeout_s, fresh_window)
            if row.requests:
                bound = floor.rate_limited_seconds(row.requests, s.rate_limit, unlimited, s.latency)
                row.extra["rate_limit_floor_s"] = bound
                row.note = "; ".join(
                    filter(None, [row.note, f"floor for its requests {bound:.1f}s"])
                )
            result.rows.append(row)
        fresh_window()
        result.rows.append(
            _floor_row(
                replace(
                    unlimited,
                    seconds=floor.rate_limited_seconds(
                        unlimited.requests, s.rate_limit, unlimited, s.latency
                    ),
                ),
                "floor requests under the limit",
            )
        )
    for name in (OURS, OURS_CLI):
        measured = result.row(name)
        if measured is None or measured.wall_s is None:
            continue
        row = measured
        bound = row.extra.get("rate_limit_floor_s", 0.0)
        wall = row.wall_s if name == OURS else row.process_s or row.wall_s
        result.targets.append(
            Target(f"{name}: no 429 drawn", row.rate_limited == 0, f"{row.rate_limited} 429s")
        )
        if name == OURS:
            result.targets.append(
                Target(
                    f"{name}: wall time within {s.s4_max_over_floor:.0%} of the rate-limit floor",
                    wall <= bound * (1 + s.s4_max_over_floor),
                    f"{wall:.1f}s for {row.requests} requests; floor {bound:.1f}s",
                )
            )
    return result


def scale_scenario(bench: Bench) -> ScenarioResult:
    """Scenario 5: a million jobs, no latency, against a warmed response cache."""
    s = bench.settings
    config = SimulatorConfig(
        seed=11,
        agents=s.big_agents,
        sessions_per_agent=s.big_sessions,
        jobs_per_session=s.big_jobs,
        api_key="bench-key",
        response_cache=True,
    )
    result = ScenarioResult(
        "5",
        f"{s.big_agents} agents x {s.big_sessions:,} sessions x {s.big_jobs:g} jobs, no latency, "
        "simulator answers cached by an untimed warm-up run of ours",
    )
    with SimulatorProcess(config) as sim:
        jobs_in_world = sim.world()["jobs"]
        warm = bench.contender(OURS, sim, bench.workdir / "s5" / "warmup", "none")
        warmup_cache = sim.cache_stats()
        rows = [
            bench.contender(OURS, sim, bench.workdir / "s5" / "ours", "none"),
            bench.contender(OURS_CLI, sim, bench.workdir / "s5" / "cli", "none", s.peer_timeout_s),
        ]
        cache = sim.cache_stats()
    result.rows.extend(rows)
    sessions = [s.big_sessions] * s.big_agents
    result.rows.append(
        _floor_row(floor.full(s.big_agents, sessions, 0.0, s.concurrency), "no latency")
    )
    ours = result.row(OURS)
    sim_s = float(cache["server_time_s"])
    result.facts = {
        "jobs_in_world": jobs_in_world,
        "warmup_wall_s": warm.wall_s,
        "warmup_requests": warm.requests,
        "cache_entries": cache["entries"],
        "cache_mb": cache["bytes"] / 1e6,
        "cache_hits_timed_runs": cache["hits"],
        "cache_misses_timed_runs": cache["misses"],
        # Summed Server-Timing over both timed runs; ours' own share is in its row.
        "simulator_time_s": sim_s,
        "warmup_cache": warmup_cache,
    }
    if ours and ours.wall_s and ours.jobs:
        sync_s = float(ours.extra.get("sync_s", ours.wall_s))
        simulator_s = ours.simulator_s or 0.0
        rate = ours.jobs / max(sync_s - simulator_s, 1e-9)
        ours.extra["jobs_per_s"] = rate
        ours.extra["jobs_per_s_wall"] = ours.jobs / sync_s
        result.targets.append(
            Target(
                f"ours ingest rate >= {s.s5_min_jobs_per_s:,.0f} jobs/s (simulator time excluded)",
                rate >= s.s5_min_jobs_per_s,
                f"{rate:,.0f} jobs/s: {ours.jobs:,} jobs, sync {sync_s:.2f}s, of which the "
                f"simulator {simulator_s:.2f}s; {ours.jobs / sync_s:,.0f} jobs/s with it",
            )
        )
    if ours and ours.peak_mb:
        result.targets.append(
            Target(
                f"ours peak memory < {s.s5_max_peak_mb:g} MB",
                ours.peak_mb < s.s5_max_peak_mb,
                f"{ours.peak_mb:.0f} MB",
            )
        )
    return result


def peers_extrapolated(s1: ScenarioResult, jobs: int) -> list[Row]:
    """Scenario 5 rows for the peers, from their scenario-1 rate (too slow to run at 1M)."""
    rows = []
    for name in PEERS:
        row = s1.row(name)
        if row and row.jobs and row.wall_s:
            rate = row.jobs / row.wall_s
            rows.append(
                Row(
                    name,
                    wall_s=jobs / rate,
                    note=f"not run: extrapolated from scenario 1 ({rate:,.0f} jobs/s)",
                    extra={"jobs_per_s": rate},
                )
            )
    return rows


def summaries_scenario(bench: Bench) -> ScenarioResult:
    """Scenario 6: `benchmarks.summaries.measure`, in a process of its own."""
    s = bench.settings
    result = ScenarioResult(
        "6",
        f"Summary recompute + reconcile over {s.summary_jobs:,} jobs, and one session lookup",
    )
    workdir = bench.workdir / "s6"
    workdir.mkdir(parents=True, exist_ok=True)
    args = {
        "jobs": s.summary_jobs,
        "sessions": s.summary_sessions,
        "agents": s.summary_agents,
        "workdir": str(workdir),
    }
    process = run([sys.executable, "-m", "benchmarks.contenders", "summaries", json.dumps(args)])
    figures = process.result
    if not figures.get("available"):
        last = process.stderr_tail.strip().splitlines()[-1:] or [""]
        why = (
            "benchmarks.summaries.measure is not available"
            if process.returncode == 0
            else f"benchmarks.summaries.measure failed (exit {process.returncode}): {last[0][:120]}"
        )
        result.rows.append(Row(OURS, process_s=process.process_s, note=why))
        result.targets.append(Target("summaries benchmark", None, why))
        return result
    result.facts = figures
    reconcile_s, lookup_s = figures.get("reconcile_s"), figures.get("session_lookup_s")
    result.rows.append(
        Row(
            OURS,
            wall_s=reconcile_s,
            process_s=process.process_s,
            peak_mb=process.max_rss_mb,
            jobs=int(figures.get("jobs", 0)),
            note=f"session lookup {lookup_s * 1000:.1f} ms" if lookup_s is not None else "",
        )
    )
    result.targets.append(
        Target(
            f"recompute + reconcile < {s.s6_max_reconcile_s:g} s",
            None if reconcile_s is None else reconcile_s < s.s6_max_reconcile_s,
            f"{reconcile_s:.2f}s (median)" if reconcile_s is not None else "not reported",
        )
    )
    result.targets.append(
        Target(
            f"single session lookup < {s.s6_max_lookup_s * 1000:g} ms",
            None if lookup_s is None else lookup_s < s.s6_max_lookup_s,
            f"{lookup_s * 1000:.1f} ms (median)" if lookup_s is not None else "not reported",
        )
    )
    return result


def clean(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
