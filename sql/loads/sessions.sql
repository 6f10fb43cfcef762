-- Load a batch of sessions (registered as `batch`, one row per session): first_seen_at survives,
-- last_seen_at moves, and a session seen again is no longer gone. settled_at is derived after
-- the jobs load. sessions declares no key (see sql/schema/001_tables.sql): the sessions we hold
-- are updated in place and only the others inserted, which keeps session_id unique.
UPDATE sessions AS s
SET
    agent_id = b.agent_id,
    agent_name = b.agent_name,
    agent_version = b.agent_version,
    status = b.status,
    start_time = b.start_time,
    end_time = b.end_time,
    messages_count = b.messages_count,
    token_usage = CAST(b.token_usage AS JSON),
    result = CAST(b.result AS JSON),
    last_seen_at = $synced_at,
    gone_at = NULL
FROM batch AS b
WHERE s.session_id = b.session_id;

INSERT INTO sessions BY NAME
SELECT
    batch.* REPLACE (CAST(token_usage AS JSON) AS token_usage, CAST(result AS JSON) AS result),
    $synced_at AS first_seen_at,
    $synced_at AS last_seen_at
FROM batch
ANTI JOIN sessions AS held ON held.session_id = batch.session_id;
