-- Set one response's decoded jobs (registered as `batch`) aside in DuckDB as it arrives, so a
-- sync holds no agent's jobs in Python until that agent commits. A temp table: it never
-- reaches the file, spills to disk under memory pressure, and dies with the connection.
-- `arrival` orders the responses of a connection, so that a job read twice keeps its last
-- reading.
CREATE TEMP TABLE IF NOT EXISTS staged_jobs AS
SELECT ''::VARCHAR AS stage_agent_id, 0::BIGINT AS arrival, batch.*
FROM batch
LIMIT 0;

INSERT INTO staged_jobs
SELECT $agent_id, $arrival, batch.*
FROM batch;
