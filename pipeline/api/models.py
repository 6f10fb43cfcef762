"""Pydantic models of the Meibel API v2 schemas this pipeline reads.

They mirror the published OpenAPI pages in `contract/` field for field (titles, types,
nullability, defaults, required lists); `tests/contract/` holds them to it. The simulator
serves these same models, so a drift between client and server cannot go unnoticed.
Unknown fields are ignored: the API evolves and a new field must not break a sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

JOB_STATUSES = ("submitted", "in_progress", "completed", "failed", "not_run")
SESSION_STATUSES = ("RUNNING", "COMPLETED", "FAILED", "CANCELED", "TERMINATED")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AgentSummary(ApiModel):
    id: str
    name: str
    display_name: str
    description: str | None = None
    version: str
    type: str = Field(
        description='Lifecycle state of the returned version: "draft" or "published".'
    )
    llm_model: str
    tool_count: int
    datasource_count: int
    last_execution_status: str | None = None
    last_execution_time: datetime | None = None


class AgentListResponse(ApiModel):
    data: list[AgentSummary]
    total: int
    offset: int
    limit: int | None = None


class SessionSummary(ApiModel):
    session_id: str
    status: str
    start_time: datetime
    end_time: datetime | None = None
    agent_name: str | None = None
    agent_version: str | None = None
    messages_count: int = 0
    token_usage: dict[str, Any] | None = None
    result: list[dict[str, Any]] = []


class SessionListResponse(ApiModel):
    data: list[SessionSummary]
    total: int
    # Only newer servers send these two; the published page does not list them.
    offset: int | None = None
    limit: int | None = None


class AgentIdentityContext(ApiModel):
    """Identifies the agent, workflow, and tool context that produced the scored output."""

    customer_id: str = Field(description="Your customer identifier.")
    project_id: str = Field(description="The project this scoring job belongs to.")
    agent_name: str | None = Field(
        default=None, description="Name of the agent that produced the scored output."
    )
    agent_version: str | None = Field(
        default=None, description="Version of the agent that produced the scored output."
    )
    agent_session_id: str | None = Field(
        default=None,
        description="Unique identifier for the agent session that produced the scored output.",
    )
    agent_turn: int | None = Field(
        default=None, description="The agent turn number within the session, if applicable."
    )
    agent_workflow_name: str | None = Field(
        default=None, description="Name of the workflow the agent is part of, if applicable."
    )
    agent_workflow_version: str | None = Field(
        default=None, description="Version of the workflow the agent is part of."
    )
    agent_workflow_session_id: str | None = Field(
        default=None,
        description=(
            "Unique identifier for the workflow session, if the agent runs within a workflow."
        ),
    )
    batch_definition_id: str | None = Field(
        default=None,
        description="Identifier of the batch definition this job belongs to, if applicable.",
    )
    batch_execution_id: str | None = Field(
        default=None,
        description="Identifier of the batch execution this job belongs to, if applicable.",
    )
    tool_id: str | None = Field(
        default=None,
        description="Identifier of the tool that produced the scored output, if applicable.",
    )
    tool_instance_id: str | None = Field(
        default=None, description="Identifier of the specific tool instance."
    )
    tool_execution_id: str | None = Field(
        default=None,
        description="Unique identifier for the tool execution that produced the scored output.",
    )


IDENTITY_FIELDS: tuple[str, ...] = tuple(AgentIdentityContext.model_fields)


class ScoringJobResponse(ApiModel):
    """A confidence scoring job record with metadata and scores only."""

    job_id: str = Field(description="Unique identifier for this scoring job.")
    agent_identity_context: AgentIdentityContext = Field(
        description="The agent, workflow, and tool context that produced the scored output."
    )
    module: str = Field(
        description=(
            "The scoring module used to evaluate the output. Judge-based modules (e.g. "
            "correctness, coherence, faithfulness) produce scores on a 0–10 scale. Statistical "
            "modules (e.g. observed_consistency, data_grounding) produce scores on a 0.0–1.0 "
            "scale."
        )
    )
    status: str = Field(
        description=(
            "Current status of the scoring job: submitted, in_progress, completed, failed, "
            "or not_run."
        )
    )
    score: float | int | None = Field(
        default=None,
        description=(
            "The computed confidence score, or null if the job has not completed. Range depends "
            "on the module: 0–10 (integer) for judge-based modules, 0.0–1.0 for statistical "
            "modules."
        ),
    )
    explanation: str | None = Field(
        default=None, description="Human-readable explanation of the score."
    )


class TurnSummary(ApiModel):
    """Per-turn score aggregation."""

    turn: int | None = Field(
        default=None,
        description="Agent turn number, or null for jobs without a turn assignment.",
    )
    status: str | None = Field(default=None, description="Overall status for this turn's jobs.")
    aggregate_score: float | int | None = Field(
        default=None, description="Average score across this turn's completed jobs."
    )
    module_scores: dict[str, float | int] | None = Field(
        default=None, description="Average score per module for this turn."
    )
    n_jobs_per_module: dict[str, int] | None = Field(
        default=None, description="Job count per module for this turn."
    )
    job_ids: list[str] | None = Field(default=None, description="Job IDs for this turn.")


class ScoreSummary(ApiModel):
    """Aggregated summary of scoring jobs matching identity context filters."""

    status: str | None = Field(
        default=None,
        description=(
            "Overall status across the matched scoring jobs. Null if no jobs matched the filters."
        ),
    )
    aggregate_score: float | int | None = Field(
        default=None, description="Average score across all completed jobs matching the filters."
    )
    module_scores: dict[str, float | int] | None = Field(
        default=None, description="Average score per scoring module, keyed by module name."
    )
    n_jobs_per_module: dict[str, int] | None = Field(
        default=None, description="Number of completed scoring jobs per module."
    )
    job_ids: list[str] | None = Field(default=None, description="Job IDs matching the filters.")
    turns: list[TurnSummary] | None = Field(
        default=None,
        description=(
            "Per-turn score breakdowns, ordered by turn number ascending with null-turn last."
        ),
    )
