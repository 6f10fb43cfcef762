"""The marts over a real sync: complete, consistent with the tables, and the README's example
queries run against them as written."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from tests.e2e.sync_env import SyncEnv

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Example queries") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section else section
    return re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)


def test_marts_cover_every_job_and_session(synced: SyncEnv) -> None:
    with synced.open() as wh:
        counts = wh.query(
            "SELECT (SELECT count(*) FROM job_scores) AS jobs, "
            "(SELECT count(*) FROM scoring_jobs WHERE gone_at IS NULL) AS loaded_jobs, "
            "(SELECT sum(n_jobs) FROM daily_scores) AS daily_jobs, "
            "(SELECT sum(n_jobs) FROM weekly_scores) AS weekly_jobs, "
            "(SELECT count(*) FROM session_scores) AS sessions, "
            "(SELECT count(*) FROM sessions) AS loaded_sessions, "
            "(SELECT sum(n_scored) FROM session_scores) AS session_scored, "
            "(SELECT count(*) FROM job_scores WHERE is_scored AND session_id IS NOT NULL) "
            "AS scored_with_session, "
            "(SELECT count(DISTINCT week_start) FROM weekly_scores) AS weeks, "
            "(SELECT count(*) FROM weekly_scores WHERE change_vs_prev_week IS NOT NULL) "
            "AS compared_weeks"
        ).to_pylist()[0]
    assert counts["jobs"] == counts["loaded_jobs"] == len(synced.jobs()) > 0
    assert counts["daily_jobs"] == counts["weekly_jobs"] == counts["jobs"]
    assert counts["sessions"] == counts["loaded_sessions"] == len(synced.sessions())
    assert counts["session_scored"] == counts["scored_with_session"]
    assert counts["weeks"] == 2
    assert counts["compared_weeks"] > 0


def test_the_materialization_counts_each_mart(synced: SyncEnv) -> None:
    events = synced.instance.fetch_materializations(dg.AssetKey("daily_scores"), limit=1)
    (record,) = events.records
    materialization = record.asset_materialization
    assert materialization is not None
    with synced.open() as wh:
        rows = wh.query("SELECT count(*) AS n FROM daily_scores").to_pylist()[0]["n"]
    assert materialization.metadata["dagster/row_count"].value == rows > 0


def test_readme_example_queries_run(synced: SyncEnv) -> None:
    queries = readme_queries()
    assert len(queries) >= 6
    with synced.open() as wh:
        results = [wh.query(query) for query in queries]
    assert all(result.num_columns > 0 for result in results)
    # Those not tied to today's date find rows in the simulated data.
    undated = [r for q, r in zip(queries, results, strict=True) if "current_date" not in q]
    assert undated
    assert all(r.num_rows > 0 for r in undated)
