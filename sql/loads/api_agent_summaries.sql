-- Store what the agent summary endpoint returned (registered as `batch`), replacing the last.
-- Its job ids are fingerprinted as they are stored (sql/views/score_summaries.sql): every sync
-- stores every agent's summary again, hundreds of thousands of ids each, which the
-- reconciliation then compares as one number.
INSERT OR REPLACE INTO api_agent_summaries BY NAME
SELECT
    batch.*,
    $synced_at AS fetched_at,
    job_ids_fingerprint(batch.job_ids) AS job_ids_fingerprint,
    summary_fingerprint_version() AS fingerprinted_with
FROM batch;
