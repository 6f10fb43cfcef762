-- Upsert a batch of scoring jobs (registered as `batch`), tagging each with its module's scale.
INSERT INTO scoring_jobs BY NAME
SELECT
    batch.*,
    module_scales.scale,
    $synced_at AS first_seen_at,
    $synced_at AS last_seen_at
FROM batch
LEFT JOIN module_scales USING (module)
-- Rows stored grouped by session keep one session's summary lookup a short, pruned scan.
ORDER BY batch.agent_name, batch.agent_session_id, batch.agent_turn
ON CONFLICT (job_id) DO UPDATE SET
    module = excluded.module,
    status = excluded.status,
    score = excluded.score,
    explanation = excluded.explanation,
    customer_id = excluded.customer_id,
    project_id = excluded.project_id,
    agent_name = excluded.agent_name,
    agent_version = excluded.agent_version,
    agent_session_id = excluded.agent_session_id,
    agent_turn = excluded.agent_turn,
    agent_workflow_name = excluded.agent_workflow_name,
    agent_workflow_version = excluded.agent_workflow_version,
    agent_workflow_session_id = excluded.agent_workflow_session_id,
    batch_definition_id = excluded.batch_definition_id,
    batch_execution_id = excluded.batch_execution_id,
    tool_id = excluded.tool_id,
    tool_instance_id = excluded.tool_instance_id,
    tool_execution_id = excluded.tool_execution_id,
    scale = excluded.scale,
    last_seen_at = excluded.last_seen_at;
