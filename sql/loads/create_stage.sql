-- The stage that holds each agent's decoded jobs from their arrival to their agent's commit
-- (see stage_jobs.sql). A temp table: it never reaches the file, spills to disk under memory
-- pressure, and dies with the connection. Made once per connection, outside any transaction, so
-- that no rollback takes it away; its columns are those of a load batch (registered as
-- `batch`, empty).
CREATE TEMP TABLE IF NOT EXISTS staged_jobs AS
SELECT ''::VARCHAR AS stage_agent_id, batch.*
FROM batch
LIMIT 0;
