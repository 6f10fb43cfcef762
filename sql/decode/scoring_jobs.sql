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
    job_id->>'$' AS job_id,
    module->>'$' AS module,
    status->>'$' AS status,
    CAST(score AS DOUBLE) AS score,
    explanation->>'$' AS explanation,
    ctx.customer_id->>'$' AS customer_id,
    ctx.project_id->>'$' AS project_id,
    ctx.agent_name->>'$' AS agent_name,
    ctx.agent_version->>'$' AS agent_version,
    ctx.agent_session_id->>'$' AS agent_session_id,
    CAST(ctx.agent_turn AS BIGINT) AS agent_turn,
    ctx.agent_workflow_name->>'$' AS agent_workflow_name,
    ctx.agent_workflow_version->>'$' AS agent_workflow_version,
    ctx.agent_workflow_session_id->>'$' AS agent_workflow_session_id,
    ctx.batch_definition_id->>'$' AS batch_definition_id,
    ctx.batch_execution_id->>'$' AS batch_execution_id,
    ctx.tool_id->>'$' AS tool_id,
    ctx.tool_instance_id->>'$' AS tool_instance_id,
    ctx.tool_execution_id->>'$' AS tool_execution_id,
    ctx IS NOT NULL
        AND json_is(job_id, ['VARCHAR'])
        AND json_is(module, ['VARCHAR'])
        AND json_is(status, ['VARCHAR'])
        AND json_is(score, ['NULL', 'BIGINT', 'UBIGINT', 'DOUBLE'])
        AND json_is(explanation, ['NULL', 'VARCHAR'])
        AND json_is(ctx.customer_id, ['VARCHAR'])
        AND json_is(ctx.project_id, ['VARCHAR'])
        AND json_is(ctx.agent_turn, ['NULL', 'BIGINT', 'UBIGINT'])
        AND json_is(ctx.agent_name, ['NULL', 'VARCHAR'])
        AND json_is(ctx.agent_version, ['NULL', 'VARCHAR'])
        AND json_is(ctx.agent_session_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.agent_workflow_name, ['NULL', 'VARCHAR'])
        AND json_is(ctx.agent_workflow_version, ['NULL', 'VARCHAR'])
        AND json_is(ctx.agent_workflow_session_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.batch_definition_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.batch_execution_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.tool_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.tool_instance_id, ['NULL', 'VARCHAR'])
        AND json_is(ctx.tool_execution_id, ['NULL', 'VARCHAR']) AS canonical
FROM (SELECT *, agent_identity_context AS ctx FROM response);
