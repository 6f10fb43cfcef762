-- Store what the session summary endpoint returned (registered as `batch`), replacing the last.
-- A replaced row keeps the columns not named here: its fingerprints are marked stale (NULL), so
-- that the next reconciliation fingerprints it again (sql/models/summary_fingerprints.sql).
INSERT OR REPLACE INTO api_session_summaries BY NAME
SELECT batch.*, $synced_at AS fetched_at, NULL::BIGINT AS fingerprinted_with
FROM batch;
