-- Drop what one agent set aside, once it committed or gave up.
DELETE FROM staged_jobs WHERE stage_agent_id = $agent_id;
