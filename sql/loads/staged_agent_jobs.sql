-- One agent's staged jobs as a load batch (`agent_jobs`): one row per job, a job read twice (a
-- repeated answer, overlapping filters) keeping its last reading.
CREATE OR REPLACE TEMP TABLE agent_jobs AS
SELECT * EXCLUDE (stage_agent_id, arrival)
FROM staged_jobs
WHERE stage_agent_id = $agent_id
QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY arrival DESC) = 1;
