"""The API's summary rules, computed in plain Python.

This is the simulator's own implementation, written independently of the pipeline's SQL
(`sql/views/score_summaries.sql`) so that reconciling one against the other proves something.

- job_ids: every matching job, whatever its status.
- aggregate_score: mean score over completed jobs with a non-null score; null when none.
- module_scores / n_jobs_per_module: the same per module; modules without one are absent.
- status: null without jobs; in_progress if any job is submitted or in_progress; else failed
  if any failed; else completed if any completed; else not_run.
- turns: one entry per agent_turn, ascending, the null turn last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.api.models import ScoreSummary, ScoringJobResponse, TurnSummary

PENDING = frozenset({"submitted", "in_progress"})


@dataclass(frozen=True)
class Aggregate:
    status: str | None
    aggregate_score: float | None
    module_scores: dict[str, float] | None
    n_jobs_per_module: dict[str, int] | None
    job_ids: list[str] | None


def overall_status(statuses: Iterable[str]) -> str | None:
    seen = set(statuses)
    if not seen:
        return None
    if seen & PENDING:
        return "in_progress"
    if "failed" in seen:
        return "failed"
    if "completed" in seen:
        return "completed"
    return "not_run"


def aggregate(jobs: Sequence[ScoringJobResponse]) -> Aggregate:
    if not jobs:
        return Aggregate(None, None, None, None, None)
    scores_by_module: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        if job.status == "completed" and job.score is not None:
            scores_by_module[job.module].append(float(job.score))
    all_scores = [s for scores in scores_by_module.values() for s in scores]
    return Aggregate(
        status=overall_status(job.status for job in jobs),
        aggregate_score=sum(all_scores) / len(all_scores) if all_scores else None,
        module_scores={m: sum(s) / len(s) for m, s in scores_by_module.items()},
        n_jobs_per_module={m: len(s) for m, s in scores_by_module.items()},
        job_ids=[job.job_id for job in jobs],
    )


def summarize(jobs: Sequence[ScoringJobResponse]) -> ScoreSummary:
    """The ScoreSummary the API returns for `jobs` (already filtered to the request)."""
    by_turn: dict[int | None, list[ScoringJobResponse]] = defaultdict(list)
    for job in jobs:
        by_turn[job.agent_identity_context.agent_turn].append(job)
    ordered = sorted(by_turn, key=lambda t: (t is None, t or 0))
    turns = [TurnSummary(turn=turn, **vars(aggregate(by_turn[turn]))) for turn in ordered]
    return ScoreSummary(**vars(aggregate(jobs)), turns=turns or None)
