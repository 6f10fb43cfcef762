-- A session's turns are replaced as a whole: the summary may have lost a turn since last time.
-- `sessions_batch` holds the session summaries loaded in the same transaction, `batch` their turns.
-- New rows are not fingerprinted yet (NULL): the next reconciliation does it, and checks their
-- session against them (sql/models/summary_fingerprints.sql).
DELETE FROM api_turn_summaries
WHERE (agent_name, session_id) IN (SELECT agent_name, session_id FROM sessions_batch);

INSERT INTO api_turn_summaries BY NAME
SELECT batch.*, $synced_at AS fetched_at, NULL::BIGINT AS fingerprinted_with
FROM batch;
