-- A session's turns are replaced as a whole: the summary may have lost a turn since last time.
-- `sessions_batch` holds the session summaries loaded in the same transaction, `batch` their turns.
DELETE FROM api_turn_summaries
WHERE (agent_name, session_id) IN (SELECT agent_name, session_id FROM sessions_batch);

INSERT INTO api_turn_summaries BY NAME
SELECT batch.*, $synced_at AS fetched_at
FROM batch;
