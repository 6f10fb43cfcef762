-- Upsert the agents listing (registered as `batch`, always read whole): first_seen_at survives,
-- last_seen_at moves, and an agent that came back is no longer gone.
INSERT INTO agents BY NAME
SELECT batch.*, $synced_at AS first_seen_at, $synced_at AS last_seen_at, NULL AS gone_at
FROM batch
ON CONFLICT (agent_id) DO UPDATE SET
    name = excluded.name,
    display_name = excluded.display_name,
    description = excluded.description,
    version = excluded.version,
    type = excluded.type,
    llm_model = excluded.llm_model,
    tool_count = excluded.tool_count,
    datasource_count = excluded.datasource_count,
    last_execution_status = excluded.last_execution_status,
    last_execution_time = excluded.last_execution_time,
    last_seen_at = excluded.last_seen_at,
    gone_at = NULL;

-- Agents missing from a complete listing are gone; their sessions and jobs stay as history.
UPDATE agents SET gone_at = $synced_at
WHERE gone_at IS NULL AND agent_id NOT IN (SELECT agent_id FROM batch);
