-- One jobs response (registered as `response`: read by DuckDB's JSON reader with every field
-- kept as JSON) as rows of the scoring_jobs load batch, each with whether it is canonical.
--
-- Canonical: every field has the JSON type the contract gives it (a string where a string is
-- due, a number for the score, an integer for the turn, null only where null is allowed; a
-- turn past BIGINT fails the cast, and so the fast path).
-- Such a record is valid for the API models and converts to exactly the values the per-record
-- path would give; a response with any other record takes that path instead, so validation
-- stays exact while the common case pays no per-record Python cost.
SELECT
    json_string(job_id) AS job_id,
    json_string(module) AS module,
    json_string(status) AS status,
    CAST(score AS DOUBLE) AS score,
    json_string(explanation) AS explanation,
    json_string(ctx.customer_id) AS customer_id,
    json_string(ctx.project_id) AS project_id,
    json_string(ctx.agent_name) AS agent_name,
    json_string(ctx.agent_version) AS agent_version,
    json_string(ctx.agent_session_id) AS agent_session_id,
    CAST(ctx.agent_turn AS BIGINT) AS agent_turn,
    json_string(ctx.agent_workflow_name) AS agent_workflow_name,
    json_string(ctx.agent_workflow_version) AS agent_workflow_version,
    json_string(ctx.agent_workflow_session_id) AS agent_workflow_session_id,
    json_string(ctx.batch_definition_id) AS batch_definition_id,
    json_string(ctx.batch_execution_id) AS batch_execution_id,
    json_string(ctx.tool_id) AS tool_id,
    json_string(ctx.tool_instance_id) AS tool_instance_id,
    json_string(ctx.tool_execution_id) AS tool_execution_id,
    ctx IS NOT NULL
        AND json_is_string(job_id, false)
        AND json_is_string(module, false)
        AND json_is_string(status, false)
        AND json_is_number(score, true)
        AND json_is_string(explanation, true)
        AND json_is_string(ctx.customer_id, false)
        AND json_is_string(ctx.project_id, false)
        AND json_is_integer(ctx.agent_turn, true)
        AND json_is_string(ctx.agent_name, true)
        AND json_is_string(ctx.agent_version, true)
        AND json_is_string(ctx.agent_session_id, true)
        AND json_is_string(ctx.agent_workflow_name, true)
        AND json_is_string(ctx.agent_workflow_version, true)
        AND json_is_string(ctx.agent_workflow_session_id, true)
        AND json_is_string(ctx.batch_definition_id, true)
        AND json_is_string(ctx.batch_execution_id, true)
        AND json_is_string(ctx.tool_id, true)
        AND json_is_string(ctx.tool_instance_id, true)
        AND json_is_string(ctx.tool_execution_id, true) AS canonical
FROM (SELECT *, agent_identity_context AS ctx FROM response);
