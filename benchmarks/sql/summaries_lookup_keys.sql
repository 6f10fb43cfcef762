-- Turns to look up, spread over the agents and sessions: $n of them, the same on every run.
SELECT agent_name, session_id, turn
FROM api_turn_summaries
WHERE turn IS NOT NULL
ORDER BY hash(agent_name, session_id, turn)
LIMIT $n;
