-- Store what the agent summary endpoint returned (registered as `batch`), replacing the last.
INSERT OR REPLACE INTO api_agent_summaries BY NAME
SELECT batch.*, $synced_at AS fetched_at
FROM batch;
