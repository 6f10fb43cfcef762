-- Set one response's decoded jobs (registered as `batch`, each job once: both decoders see to
-- it) aside in DuckDB, where a sync's memory bound holds, until their agent commits. An agent's
-- first answer waits in Python until a second one comes (DuckDBWarehouse.stage_jobs).
-- A job read again (a repeated answer, overlapping filters) keeps its last reading, so the stage
-- holds each of an agent's jobs once.
DELETE FROM staged_jobs
WHERE stage_agent_id = $agent_id AND job_id IN (SELECT job_id FROM batch);

INSERT INTO staged_jobs
SELECT $agent_id, batch.*
FROM batch;
