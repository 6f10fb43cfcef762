-- Drop what one agent set aside, once it committed or gave up. `agent_jobs` lives only within
-- one call that built it, so it goes too.
DELETE FROM staged_jobs WHERE stage_agent_id = $agent_id;

DROP TABLE IF EXISTS agent_jobs;
