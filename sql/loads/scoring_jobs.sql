-- Load a batch of scoring jobs (registered as `batch`): history first, then the current rows.

-- Close the open history version of every job whose outcome changed.
UPDATE scoring_job_history AS h
SET valid_to = $synced_at
FROM batch AS b
WHERE h.job_id = b.job_id
    AND h.valid_to IS NULL
    AND (h.status IS DISTINCT FROM b.status
        OR h.score IS DISTINCT FROM b.score
        OR h.explanation IS DISTINCT FROM b.explanation);

-- Open a version for every job without an open one: new, changed, or back after being gone.
INSERT INTO scoring_job_history (job_id, status, score, explanation, valid_from, valid_to)
SELECT b.job_id, b.status, b.score, b.explanation, $synced_at, NULL
FROM batch AS b
ANTI JOIN scoring_job_history AS h ON h.job_id = b.job_id AND h.valid_to IS NULL;

-- Upsert the current rows, each tagged with its module's scale.
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
    last_seen_at = excluded.last_seen_at,
    gone_at = NULL;
