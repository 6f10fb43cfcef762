-- What a sync stores again before it reconciles, marked as the loads mark what they store (not
-- fingerprinted yet): the summaries of $sessions sessions with their turns (at most 50 a sync by
-- default), the same every run. Every agent's summary is stored again too, which the agent
-- summary load fingerprints as it stores it: a cost of the sync, not of its reconciliation.
CREATE OR REPLACE TEMP TABLE stored_again AS
SELECT agent_name, session_id
FROM api_session_summaries
ORDER BY hash(agent_name, session_id, 'stored again')
LIMIT $sessions;

UPDATE api_session_summaries SET fingerprinted_with = NULL
WHERE (agent_name, session_id) IN (FROM stored_again);

UPDATE api_turn_summaries SET fingerprinted_with = NULL
WHERE (agent_name, session_id) IN (FROM stored_again);

DROP TABLE stored_again;
