"""Authentication, validation and not-found answers, in the API's own shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pipeline.simulator import SimulatorServer


def _endpoints(simulator: SimulatorServer) -> list[str]:
    agent_id = simulator.world.agent_ids[0]
    job = simulator.world.find_jobs()[0]
    session_id = job.agent_identity_context.agent_session_id
    return [
        "/agents",
        f"/agents/{agent_id}/sessions",
        "/confidence-scoring/jobs",
        f"/confidence-scoring/job/{job.job_id}",
        f"/confidence-scoring/summary/agent/ops-assistant/session/{session_id}",
        "/confidence-scoring/summary/agent/ops-assistant",
    ]


@pytest.mark.parametrize("key", [None, "", "wrong-key", "TEST-API-KEY"])
def test_every_endpoint_refuses_a_missing_or_wrong_key(
    simulator: SimulatorServer, key: str | None
) -> None:
    headers = {} if key is None else {"Meibel-API-Key": key}
    with httpx.Client(base_url=simulator.base_url, headers=headers) as client:
        for path in _endpoints(simulator):
            response = client.get(path)
            assert response.status_code == 401, path
            detail = response.json()["detail"]
            assert isinstance(detail, str)
            assert detail


def test_every_endpoint_answers_with_the_right_key(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    for path in _endpoints(simulator):
        assert api.get(path).status_code == 200, path


def test_authentication_comes_before_validation(simulator: SimulatorServer) -> None:
    agent_id = simulator.world.agent_ids[0]
    response = httpx.get(f"{simulator.base_url}/agents/{agent_id}/sessions?limit=0")
    assert response.status_code == 401


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    for error in detail:
        assert {"loc", "msg", "type"} <= set(error)
    return detail


@pytest.mark.parametrize(
    ("params", "location", "error_type"),
    [
        ({"offset": -1}, ["query", "offset"], "greater_than_equal"),
        ({"offset": "x"}, ["query", "offset"], "int_parsing"),
        ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
        ({"limit": "many"}, ["query", "limit"], "int_parsing"),
        ({"sort_order": "up"}, ["query", "sort_order"], "string_pattern_mismatch"),
        ({"sort_by": "end_time"}, ["query", "sort_by"], "literal_error"),
    ],
)
def test_bad_session_listing_parameters_get_validation_errors(
    simulator: SimulatorServer,
    api: httpx.Client,
    params: dict[str, Any],
    location: list[str],
    error_type: str,
) -> None:
    agent_id = simulator.world.agent_ids[0]
    errors = _errors(api.get(f"/agents/{agent_id}/sessions", params=params))
    assert [(e["loc"], e["type"]) for e in errors] == [(location, error_type)]
    assert errors[0]["input"] == str(next(iter(params.values())))


def test_bad_agent_listing_parameters_get_validation_errors(api: httpx.Client) -> None:
    errors = _errors(api.get("/agents", params={"offset": -5, "limit": 0}))
    assert sorted(tuple(e["loc"]) for e in errors) == [("query", "limit"), ("query", "offset")]


def test_unknown_agent_id_is_404(api: httpx.Client) -> None:
    response = api.get("/agents/agt_000000000000/sessions")
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_unknown_job_id_is_404(api: httpx.Client) -> None:
    for job_id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]:
        response = api.get(f"/confidence-scoring/job/{job_id}")
        assert response.status_code == 404
        assert isinstance(response.json()["detail"], str)


def test_a_job_id_spelled_differently_is_not_found(
    simulator: SimulatorServer, api: httpx.Client
) -> None:
    job_id = simulator.world.find_jobs()[0].job_id
    assert api.get(f"/confidence-scoring/job/{job_id}").status_code == 200
    assert api.get(f"/confidence-scoring/job/{job_id.upper()}").status_code == 404
    assert api.get(f"/confidence-scoring/job/{job_id.replace('-', '')}").status_code == 404


def test_unknown_paths_are_404(api: httpx.Client) -> None:
    assert api.get("/no-such-endpoint").status_code == 404
    assert api.get("/confidence-scoring/summary/agent/a/b/c").status_code == 404
