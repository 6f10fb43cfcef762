"""Scoring jobs: filters, lookups, the shape of the data, and the summaries built on them."""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pydantic import TypeAdapter

from pipeline.api.models import ScoreSummary, ScoringJobResponse
from pipeline.simulator import SimulatorServer
from pipeline.simulator.summaries import summarize
from pipeline.simulator.world import JOB_FILTERS, JUDGE_MODULES, MODULES, STATISTICAL_MODULES

_JOBS = TypeAdapter(list[ScoringJobResponse])
_quote = partial(quote, safe="")


def _jobs(api: httpx.Client, **filters: str) -> list[ScoringJobResponse]:
    response = api.get("/confidence-scoring/jobs", params=filters)
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list), "a bare array, not a page"
    return _JOBS.validate_python(response.json())


def _identity(job: ScoringJobResponse) -> dict[str, Any]:
    return job.agent_identity_context.model_dump()


def test_no_filter_lists_every_job_once(api: httpx.Client, simulator: SimulatorServer) -> None:
    jobs = _jobs(api)
    assert len(jobs) == simulator.world.counts().jobs > 100
    assert len({job.job_id for job in jobs}) == len(jobs)


@pytest.mark.parametrize("field", JOB_FILTERS)
def test_each_filter_matches_exactly_the_jobs_with_that_value(
    api: httpx.Client, field: str
) -> None:
    everything = _jobs(api)
    values = Counter(_identity(job)[field] for job in everything)
    values.pop(None, None)
    assert values, f"no job has a {field}"
    value, count = values.most_common(1)[0]
    matched = _jobs(api, **{field: value})
    assert len(matched) == count
    assert all(_identity(job)[field] == value for job in matched)
    assert _jobs(api, **{field: "no-such-value"}) == []


def test_filters_combine_with_and(api: httpx.Client) -> None:
    everything = _jobs(api)
    probe = next(
        job
        for job in everything
        if job.agent_identity_context.tool_id and job.agent_identity_context.agent_version
    )
    ctx = probe.agent_identity_context
    assert ctx.agent_name is not None
    assert ctx.tool_id is not None
    assert ctx.agent_version is not None
    by_name = _jobs(api, agent_name=ctx.agent_name)
    by_tool = _jobs(api, tool_id=ctx.tool_id)
    both = _jobs(api, agent_name=ctx.agent_name, tool_id=ctx.tool_id)
    expected = {j.job_id for j in by_name} & {j.job_id for j in by_tool}
    assert {j.job_id for j in both} == expected
    assert len(both) < min(len(by_name), len(by_tool)) or len(by_name) != len(by_tool)
    three = _jobs(
        api, agent_name=ctx.agent_name, tool_id=ctx.tool_id, agent_version=ctx.agent_version
    )
    assert {j.job_id for j in three} == {
        j.job_id for j in both if j.agent_identity_context.agent_version == ctx.agent_version
    }
    assert probe.job_id in {j.job_id for j in three}
    assert _jobs(api, agent_name=ctx.agent_name, tool_id="no-such-tool") == []


def test_unknown_query_parameters_are_ignored(api: httpx.Client) -> None:
    assert len(_jobs(api, colour="blue")) == len(_jobs(api))


def test_a_job_is_found_by_id(api: httpx.Client) -> None:
    for job in _jobs(api)[:5]:
        response = api.get(f"/confidence-scoring/job/{job.job_id}")
        assert response.status_code == 200
        assert ScoringJobResponse.model_validate(response.json()) == job


def test_jobs_look_like_real_ones(api: httpx.Client) -> None:
    jobs = _jobs(api)
    assert {job.module for job in jobs} == set(MODULES)
    for job in jobs:
        ctx = job.agent_identity_context
        assert ctx.customer_id
        assert ctx.project_id
        assert ctx.agent_name
        assert ctx.agent_session_id
        if job.status != "completed":
            assert job.score is None
        elif job.score is not None and job.module in JUDGE_MODULES:
            assert isinstance(job.score, int)
            assert 0 <= job.score <= 10
        elif job.score is not None:
            assert job.module in STATISTICAL_MODULES
            assert isinstance(job.score, float)
            assert 0.0 <= job.score <= 1.0
    completed = [job for job in jobs if job.status == "completed"]
    assert any(job.score is None for job in completed), "a completed job without a score"
    assert any(isinstance(job.score, float) for job in completed)
    turns = {job.agent_identity_context.agent_turn for job in jobs}
    assert None in turns
    assert {1, 2, 3} <= turns
    for field in ("agent_workflow_name", "batch_execution_id", "tool_execution_id"):
        values = [_identity(job)[field] for job in jobs]
        assert None in values, field
        assert any(values), field
    explanations = [job.explanation for job in completed]
    assert None in explanations
    assert any(explanations)
    assert len({job.agent_identity_context.agent_version for job in jobs}) > 6


def test_judge_scores_are_integers_on_the_wire(api: httpx.Client) -> None:
    raw = api.get("/confidence-scoring/jobs").text
    jobs = _jobs(api)
    judged = [j for j in jobs if j.module in JUDGE_MODULES and isinstance(j.score, int)]
    assert judged
    assert f'"score":{judged[0].score},' in raw


def test_summaries_equal_summarize_of_the_matching_jobs(
    api: httpx.Client, simulator: SimulatorServer
) -> None:
    compared_sessions = 0
    for name in simulator.world.agent_names:
        jobs = _jobs(api, agent_name=name)
        agent_summary = api.get(f"/confidence-scoring/summary/agent/{_quote(name)}")
        assert ScoreSummary.model_validate(agent_summary.json()) == summarize(jobs)
        assert agent_summary.json()["turns"], name
        for session_id in {job.agent_identity_context.agent_session_id for job in jobs}:
            assert session_id is not None
            in_session = _jobs(api, agent_name=name, agent_session_id=session_id)
            summary = api.get(
                f"/confidence-scoring/summary/agent/{_quote(name)}/session/{session_id}"
            )
            assert ScoreSummary.model_validate(summary.json()) == summarize(in_session)
            compared_sessions += 1
    assert compared_sessions > 20


def test_turns_come_in_ascending_order_with_the_null_turn_last(
    api: httpx.Client, simulator: SimulatorServer
) -> None:
    found_null_turn = False
    for name in simulator.world.agent_names:
        summary = api.get(f"/confidence-scoring/summary/agent/{_quote(name)}").json()
        turns = [turn["turn"] for turn in summary["turns"]]
        numbered = [t for t in turns if t is not None]
        assert numbered == sorted(numbered)
        if None in turns:
            found_null_turn = True
            assert turns[-1] is None
    assert found_null_turn
