"""Which marts exist, what each is built from, and how its Parquet export is partitioned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mart:
    name: str
    # The assets it reads: tables the sync loads, or other marts.
    deps: tuple[str, ...]


# In build order: job_scores first, everything else derives from it (sql/marts/).
MARTS: tuple[Mart, ...] = (
    Mart("job_scores", ("scoring_jobs", "scoring_job_history", "sessions", "agents")),
    Mart("daily_scores", ("job_scores",)),
    Mart("weekly_scores", ("job_scores",)),
    Mart("session_scores", ("job_scores", "sessions")),
    Mart("scores_by_turn", ("job_scores",)),
    Mart("tool_scores", ("job_scores",)),
    Mart("workflow_scores", ("job_scores",)),
    Mart("session_settlement", ("job_scores",)),
    Mart("score_latency", ("job_scores",)),
)

MART_NAMES: tuple[str, ...] = tuple(mart.name for mart in MARTS)
