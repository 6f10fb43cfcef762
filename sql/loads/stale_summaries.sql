-- The API summaries of one agent's sessions whose jobs changed in this sync but were not
-- fetched again (a sampled verification left them out; `stale_sessions` holds their ids) no
-- longer describe those sessions: kept, they would be reconciled against the new jobs and
-- reported as mismatches the API never made. The next sync that samples them fetches them anew.
DELETE FROM api_turn_summaries
WHERE agent_name = $agent_name AND session_id IN (SELECT session_id FROM stale_sessions);

DELETE FROM api_session_summaries
WHERE agent_name = $agent_name AND session_id IN (SELECT session_id FROM stale_sessions);
