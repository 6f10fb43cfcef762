"""The simulated Meibel API v2 as a FastAPI app, serving the models of `pipeline.api.models`.

Paths are routed on the raw, still percent-encoded request path: uvicorn decodes `%2F` into
`/` before routing, which would split an agent name such as "routing/triage" across path
segments. Each path parameter is decoded only once its segment has been matched.
"""

# No `from __future__ import annotations`: FastAPI must evaluate the annotations of handlers
# defined inside functions, whose dependencies are local names.
import secrets
from collections.abc import Callable
from typing import Annotated, Final
from urllib.parse import quote, unquote, unquote_to_bytes

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match

from pipeline.api.models import (
    AgentListResponse,
    ScoreSummary,
    ScoringJobResponse,
    SessionListResponse,
)
from pipeline.simulator.asgi import ASGIApp, Receive, Scope, Send
from pipeline.simulator.connections import ConnectionResetter
from pipeline.simulator.faults import FaultInjector, FaultSettings, ScriptedFault
from pipeline.simulator.middleware import FaultMiddleware
from pipeline.simulator.ratelimit import RateLimiter, parse_limit
from pipeline.simulator.response_cache import (
    ResponseCache,
    ResponseCacheMiddleware,
    ResponseCacheStats,
)
from pipeline.simulator.stats import RequestStats, StatsSnapshot
from pipeline.simulator.summaries import summarize
from pipeline.simulator.world import (
    SORT_FIELDS,
    AdvanceReport,
    UnknownAgentError,
    World,
    WorldCounts,
)

API_KEY_HEADER: Final = "Meibel-API-Key"
UNMATCHED: Final = "<unmatched>"
_SEGMENT: Final = "meibel_segment"


class EncodedSegment(Convertor[str]):
    """One still-encoded path segment, decoded (as UTF-8) into the parameter's value."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        # The raw path was read as latin-1, so this gives back its bytes exactly.
        return unquote_to_bytes(value.encode("latin-1")).decode("utf-8", errors="replace")

    def to_string(self, value: str) -> str:
        return quote(value, safe="")


register_url_convertor(_SEGMENT, EncodedSegment())


class RawPathMiddleware:
    """Routes on the encoded path (`raw_path`) instead of the decoded one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") if scope["type"] == "http" else None
        if raw_path:
            scope = dict(scope)
            scope["path"] = bytes(raw_path).split(b"?", 1)[0].decode("latin-1")
        await self.app(scope, receive, send)


def decoded_path(scope: Scope) -> str:
    return unquote(str(scope.get("path", "")))


def endpoint_resolver(routes: Callable[[], list[BaseRoute]]) -> Callable[[Scope], str]:
    """Names the route template a request maps to, for counting."""

    def endpoint_of(scope: Scope) -> str:
        for route in routes():
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path_format", UNMATCHED))
        return UNMATCHED

    return endpoint_of


class JobFilters(BaseModel):
    """The identity-context filters of `GET /confidence-scoring/jobs`, combined with AND."""

    agent_name: str | None = Field(default=None, description="Filter by agent name.")
    agent_version: str | None = Field(default=None, description="Filter by agent version.")
    agent_session_id: str | None = Field(default=None, description="Filter by agent session ID.")
    agent_workflow_name: str | None = Field(default=None, description="Filter by workflow name.")
    agent_workflow_version: str | None = Field(
        default=None, description="Filter by workflow version."
    )
    agent_workflow_session_id: str | None = Field(
        default=None, description="Filter by workflow session ID."
    )
    tool_id: str | None = Field(default=None, description="Filter by tool identifier.")
    tool_instance_id: str | None = Field(
        default=None, description="Filter by tool instance identifier."
    )
    tool_execution_id: str | None = Field(
        default=None, description="Filter by tool execution identifier."
    )


Offset = Annotated[int, Query(ge=0, description="Number of items to skip")]
Limit = Annotated[int | None, Query(ge=1, description="Maximum number of items to return")]


def _sort_by_error(value: str) -> RequestValidationError:
    expected = " or ".join(f"'{field}'" for field in SORT_FIELDS)
    return RequestValidationError(
        [
            {
                "type": "literal_error",
                "loc": ("query", "sort_by"),
                "msg": f"Input should be {expected}",
                "input": value,
                "ctx": {"expected": expected},
            }
        ]
    )


def create_app(
    world: World,
    *,
    api_key: str,
    faults: FaultInjector | None = None,
    stats: RequestStats | None = None,
    limiter: RateLimiter | None = None,
    resetter: ConnectionResetter | None = None,
    response_cache: ResponseCache | None = None,
) -> FastAPI:
    """The app serving `world`; faults, stats and limiter are shared with whoever passes them."""
    response_cache = response_cache or ResponseCache()
    faults = faults or FaultInjector()
    stats = stats or RequestStats()
    limiter = limiter or RateLimiter()
    resetter = resetter or ConnectionResetter()
    routes: list[BaseRoute] = []
    app = FastAPI(
        title="Meibel AI API",
        summary="Meibel Gateway Service (simulated)",
        version="0.6.4",
        separate_input_output_schemas=False,
        middleware=[
            Middleware(RawPathMiddleware),
            Middleware(
                FaultMiddleware,
                faults=faults,
                stats=stats,
                limiter=limiter,
                resetter=resetter,
                endpoint_of=endpoint_resolver(lambda: routes),
                decoded_path_of=decoded_path,
            ),
            # Innermost: faults, latency, the rate limit and counting stay per request.
            Middleware(ResponseCacheMiddleware, cache=response_cache),
        ],
    )
    app.state.world = world
    app.state.faults = faults
    app.state.stats = stats
    app.state.limiter = limiter
    app.state.response_cache = response_cache
    api = _api_router(world, api_key)
    app.include_router(api)
    app.include_router(_admin_router(world, faults, stats, limiter, response_cache))
    # The API router's own routes: the app nests included routers rather than copying them.
    routes.extend(api.routes)
    return app


def _api_router(world: World, api_key: str) -> APIRouter:
    key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)
    expected_key = api_key.encode()

    def require_api_key(key: Annotated[str | None, Security(key_header)]) -> None:
        if key is None or not secrets.compare_digest(key.encode(), expected_key):
            raise HTTPException(status_code=401, detail="Invalid or missing API key.")

    api = APIRouter(prefix="/v2", dependencies=[Depends(require_api_key)])

    @api.get(
        "/agents",
        response_model=AgentListResponse,
        tags=["Agents"],
        summary="List Agents",
        operation_id="listAgents",
    )
    def list_agents(offset: Offset = 0, limit: Limit = None) -> AgentListResponse:
        return world.list_agents(offset, limit)

    @api.get(
        f"/agents/{{agent_id:{_SEGMENT}}}/sessions",
        response_model=SessionListResponse,
        tags=["Agents"],
        summary="List Sessions",
        operation_id="listSessions",
    )
    def list_sessions(
        agent_id: Annotated[str, Path()],
        offset: Offset = 0,
        limit: Limit = None,
        sort_by: Annotated[
            str, Query(description="Field to sort by: start_time, status")
        ] = "start_time",
        sort_order: Annotated[
            str, Query(pattern="^(asc|desc)$", description="Sort order: asc or desc")
        ] = "desc",
        status: Annotated[
            str | None,
            Query(
                description=(
                    "Filter by execution status: RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED"
                )
            ),
        ] = None,
    ) -> SessionListResponse:
        # The published schema types sort_by as a plain string; the check lives here.
        if sort_by not in SORT_FIELDS:
            raise _sort_by_error(sort_by)
        try:
            return world.list_sessions(agent_id, offset, limit, sort_by, sort_order, status)
        except UnknownAgentError:
            raise HTTPException(status_code=404, detail="Agent not found.") from None

    @api.get(
        "/confidence-scoring/jobs",
        response_model=list[ScoringJobResponse],
        tags=["Confidence Scoring"],
        summary="List scoring jobs",
        description=(
            "List confidence scoring jobs, optionally filtered by identity context fields. "
            "All filters are combined with AND logic."
        ),
        operation_id="listScoringJobs",
    )
    def list_scoring_jobs(filters: Annotated[JobFilters, Query()]) -> list[ScoringJobResponse]:
        return world.find_jobs(filters.model_dump())

    @api.get(
        f"/confidence-scoring/job/{{job_id:{_SEGMENT}}}",
        response_model=ScoringJobResponse,
        tags=["Confidence Scoring"],
        summary="Get a scoring job",
        operation_id="getScoringJob",
    )
    def get_scoring_job(
        job_id: Annotated[
            str, Path(description="Unique identifier of the scoring job to retrieve.")
        ],
    ) -> ScoringJobResponse:
        job = world.get_job(job_id)
        if job is None:
            raise HTTPException(status_code=404, detail="Scoring job not found.")
        return job

    @api.get(
        f"/confidence-scoring/summary/agent/{{agent_name:{_SEGMENT}}}"
        f"/session/{{session_id:{_SEGMENT}}}",
        response_model=ScoreSummary,
        tags=["Confidence Scoring"],
        summary="Get agent session scoring summary",
        description="Get an aggregated summary of confidence scores for a specific agent session.",
        operation_id="getAgentSessionScoringSummary",
    )
    def get_agent_session_scoring_summary(
        agent_name: Annotated[str, Path(description="Name of the agent.")],
        session_id: Annotated[str, Path(description="Agent session ID.")],
    ) -> ScoreSummary:
        return summarize(world.jobs_for(agent_name, session_id))

    @api.get(
        f"/confidence-scoring/summary/agent/{{agent_name:{_SEGMENT}}}",
        response_model=ScoreSummary,
        tags=["Confidence Scoring"],
        summary="Get agent scoring summary",
        description="Get an aggregated summary of confidence scores for a specific agent.",
        operation_id="getAgentScoringSummary",
    )
    def get_agent_scoring_summary(
        agent_name: Annotated[str, Path(description="Name of the agent to summarize.")],
    ) -> ScoreSummary:
        return summarize(world.jobs_for(agent_name))

    return api


class RateLimitSetting(BaseModel):
    """A rate limit as `limits` writes it ("60/minute", "20/2 seconds"), or null for none."""

    limit: str | None = None


def _admin_router(
    world: World,
    faults: FaultInjector,
    stats: RequestStats,
    limiter: RateLimiter,
    response_cache: ResponseCache,
) -> APIRouter:
    """Test and CLI controls; outside /v2, so never faulted, counted or in the schema."""
    admin = APIRouter(prefix="/_simulator", include_in_schema=False)

    @admin.post("/advance")
    def advance(minutes: Annotated[float, Query(ge=0, allow_inf_nan=False)]) -> AdvanceReport:
        report = world.advance(minutes)
        # Cached answers describe the world before; a benchmark reads the world after.
        response_cache.clear()
        return report

    @admin.get("/world")
    def world_counts() -> WorldCounts:
        return world.counts()

    @admin.get("/stats")
    def get_stats() -> StatsSnapshot:
        return stats.snapshot()

    @admin.delete("/stats", status_code=204)
    def reset_stats() -> None:
        stats.reset()

    @admin.get("/faults")
    def get_faults() -> FaultSettings:
        return faults.settings

    @admin.put("/faults")
    def put_faults(settings: FaultSettings) -> FaultSettings:
        return faults.configure(settings)

    @admin.delete("/faults", status_code=204)
    def clear_faults() -> None:
        faults.clear()

    @admin.get("/faults/script")
    def get_script() -> list[ScriptedFault]:
        return faults.scripted()

    @admin.post("/faults/script")
    def add_script(entry: ScriptedFault) -> list[ScriptedFault]:
        faults.script(entry.kind, entry.count, entry.path_prefix)
        return faults.scripted()

    @admin.get("/rate-limit")
    def get_rate_limit() -> RateLimitSetting:
        return RateLimitSetting(limit=limiter.limit)

    @admin.put("/rate-limit")
    def put_rate_limit(setting: RateLimitSetting) -> RateLimitSetting:
        if setting.limit is not None:
            try:
                parse_limit(setting.limit)
            except ValueError as error:
                raise HTTPException(status_code=422, detail=str(error)) from None
        limiter.configure(setting.limit)
        return RateLimitSetting(limit=limiter.limit)

    @admin.get("/response-cache")
    def get_response_cache() -> ResponseCacheStats:
        return response_cache.stats()

    @admin.delete("/response-cache/counts", status_code=204)
    def reset_response_cache_counts() -> None:
        response_cache.reset_counts()

    return admin


__all__ = ["API_KEY_HEADER", "EncodedSegment", "JobFilters", "create_app"]
