"""The simulator's OpenAPI document against the published pages in `contract/`.

Schemas are compared after normalising what differs only in spelling: `anyOf` order, a null
branch (nullability), and `number | integer` (one numeric type). Descriptions are not compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.simulator import Simulator, SimulatorConfig

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contract"
API_PREFIX = "/v2"
# Fields the pages do not list but newer servers send (see contract/README.md).
ALLOWED_EXTRA_FIELDS = {"SessionListResponse": {"offset", "limit"}}
# Endpoints described in contract/README.md rather than by a page, with their parameters.
README_ENDPOINTS = {
    "/agents": {"offset", "limit"},
    "/confidence-scoring/job/{job_id}": {"job_id"},
    "/confidence-scoring/summary/agent/{agent_name}": {"agent_name"},
}
_BLOCK = re.compile(r"^(`{3,})yaml[^\n]*\n(.*?)^\1[ \t]*$", re.DOTALL | re.MULTILINE)


def _contract_documents() -> Iterator[dict[str, Any]]:
    for page in sorted(CONTRACT_DIR.glob("*.md")):
        for match in _BLOCK.finditer(page.read_text(encoding="utf-8")):
            document = yaml.safe_load(match.group(2))
            assert isinstance(document, dict), page
            yield document


def _merged(section: str, key: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for document in _contract_documents():
        for name, value in document.get(section, {}).get(key, {}).items():
            assert merged.get(name, value) == value, f"the pages disagree on {name}"
            merged[name] = value
    return merged


CONTRACT_SCHEMAS = _merged("components", "schemas")
CONTRACT_PATHS = {
    path: methods
    for document in _contract_documents()
    for path, methods in document["paths"].items()
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    app = Simulator(SimulatorConfig(agents=1, sessions_per_agent=1)).app
    document: dict[str, Any] = app.openapi()
    return document


def _kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "ref:" + str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = schema.get("type")
    if kind == "array":
        return f"array[{_shape(schema.get('items', {}))}]"
    if kind == "object":
        values = schema.get("additionalProperties")
        return f"map[{_shape(values)}]" if isinstance(values, dict) else "object"
    if kind is None:
        return "any"
    return f"{kind}:{schema['format']}" if "format" in schema else str(kind)


def _shape(schema: dict[str, Any]) -> str:
    """A canonical spelling of a schema's type."""
    variants = schema.get("anyOf", [schema])
    nullable = any(variant.get("type") == "null" for variant in variants)
    kinds = {_kind(variant) for variant in variants if variant.get("type") != "null"}
    if {"number", "integer"} <= kinds:
        kinds.discard("integer")
    return json.dumps({"kinds": sorted(kinds), "nullable": nullable})


def _normalised_properties(schema: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        name: (_shape(prop), json.dumps(prop.get("default", "<none>")))
        for name, prop in schema.get("properties", {}).items()
    }


def test_the_contract_pages_were_parsed() -> None:
    assert {
        "SessionListResponse",
        "SessionSummary",
        "ScoringJobResponse",
        "AgentIdentityContext",
        "ScoreSummary",
        "TurnSummary",
        "HTTPValidationError",
        "ValidationError",
    } <= set(CONTRACT_SCHEMAS)
    assert len(CONTRACT_PATHS) == 3


@pytest.mark.parametrize("name", sorted(CONTRACT_SCHEMAS))
def test_component_schemas_match_the_contract(openapi: dict[str, Any], name: str) -> None:
    ours = openapi["components"]["schemas"].get(name)
    assert ours is not None, f"the simulator has no component named {name}"
    theirs = CONTRACT_SCHEMAS[name]
    our_props, their_props = _normalised_properties(ours), _normalised_properties(theirs)
    extra = set(our_props) - set(their_props)
    assert extra <= ALLOWED_EXTRA_FIELDS.get(name, set()), f"{name} has extra fields {extra}"
    assert {field: our_props[field] for field in their_props} == their_props
    assert sorted(ours.get("required", [])) == sorted(theirs.get("required", []))
    assert ours.get("title") == theirs.get("title")
    assert ours.get("type") == theirs.get("type")


def _parameters(operation: dict[str, Any]) -> dict[str, tuple[str, bool, str, str]]:
    normalised = {}
    for parameter in operation.get("parameters", []):
        schema = parameter["schema"]
        constraints = {
            key: value
            for variant in schema.get("anyOf", [schema])
            for key, value in variant.items()
            if key in ("minimum", "maximum", "pattern", "enum")
        }
        normalised[parameter["name"]] = (
            parameter["in"],
            parameter.get("required", False),
            _shape(schema) + json.dumps(schema.get("default", "<none>")),
            json.dumps(constraints, sort_keys=True),
        )
    return normalised


def _response_shapes(operation: dict[str, Any]) -> dict[str, str]:
    return {
        status: _shape(response["content"]["application/json"]["schema"])
        for status, response in operation["responses"].items()
    }


@pytest.mark.parametrize("path", sorted(CONTRACT_PATHS))
def test_endpoints_match_the_contract(openapi: dict[str, Any], path: str) -> None:
    ours = openapi["paths"].get(API_PREFIX + path)
    assert ours is not None, f"the simulator does not serve {path}"
    theirs = CONTRACT_PATHS[path]
    assert set(ours) == set(theirs) == {"get"}
    our_get, their_get = ours["get"], theirs["get"]
    assert _parameters(our_get) == _parameters(their_get)
    assert list(_parameters(our_get)) == list(_parameters(their_get)), "parameter order"
    assert _response_shapes(our_get) == _response_shapes(their_get)
    assert our_get["operationId"] == their_get["operationId"]
    assert our_get["security"] == their_get["security"]


def test_the_readme_endpoints_are_served_too(openapi: dict[str, Any]) -> None:
    served = {path.removeprefix(API_PREFIX) for path in openapi["paths"]}
    assert served == set(CONTRACT_PATHS) | set(README_ENDPOINTS)
    for path, parameters in README_ENDPOINTS.items():
        operation = openapi["paths"][API_PREFIX + path]["get"]
        assert set(_parameters(operation)) == parameters
        assert operation["security"] == [{"APIKeyHeader": []}]
    assert _response_shapes(openapi["paths"]["/v2/agents"]["get"])["200"] == _shape(
        {"$ref": "#/components/schemas/AgentListResponse"}
    )


def test_the_security_scheme_matches_the_contract(openapi: dict[str, Any]) -> None:
    assert openapi["components"]["securitySchemes"] == _merged("components", "securitySchemes")


def test_every_path_is_under_the_v2_prefix(openapi: dict[str, Any]) -> None:
    assert all(path.startswith(API_PREFIX + "/") for path in openapi["paths"])
    assert not any("_simulator" in path for path in openapi["paths"])
