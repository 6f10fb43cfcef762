-- A sample of mismatched summaries (the table holds no others), agents first, for error
-- messages and metadata.
SELECT
    level, agent_name, session_id, turn, mismatched_fields,
    api_aggregate_score, recomputed_aggregate_score,
    job_ids_only_in_api, job_ids_only_in_warehouse
FROM summary_reconciliation
ORDER BY list_position(['agent', 'session', 'turn'], level), agent_name, session_id, turn
LIMIT $limit;
