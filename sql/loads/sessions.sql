-- Upsert a batch of sessions (registered as `batch`); first_seen_at survives, last_seen_at moves,
-- and a session seen again is no longer gone. settled_at is derived after the jobs load.
INSERT INTO sessions BY NAME
SELECT
    batch.* REPLACE (CAST(token_usage AS JSON) AS token_usage, CAST(result AS JSON) AS result),
    $synced_at AS first_seen_at,
    $synced_at AS last_seen_at
FROM batch
ON CONFLICT (session_id) DO UPDATE SET
    agent_id = excluded.agent_id,
    agent_name = excluded.agent_name,
    agent_version = excluded.agent_version,
    status = excluded.status,
    start_time = excluded.start_time,
    end_time = excluded.end_time,
    messages_count = excluded.messages_count,
    token_usage = excluded.token_usage,
    result = excluded.result,
    last_seen_at = excluded.last_seen_at,
    gone_at = NULL;
