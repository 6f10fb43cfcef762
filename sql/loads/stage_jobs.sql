-- Set one response's decoded jobs (registered as `batch`) aside as it arrives, so a sync holds
-- no agent's jobs in Python until that agent commits. `arrival` orders the responses of a
-- connection, so that a job read twice keeps its last reading.
INSERT INTO staged_jobs
SELECT $agent_id, $arrival, batch.*
FROM batch;
