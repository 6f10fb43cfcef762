-- The API's stored summaries for the benchmark's jobs: every agent, every session and its turns,
-- as the recomputed views give them (the API lists job ids in its own order: sorted here), then
-- a few changed so that the reconciliation has mismatches to find. Stored as the loads store
-- them, not fingerprinted yet (fingerprinted_with NULL).
CREATE TEMP TABLE api_agents AS
SELECT * FROM agent_score_summary;

INSERT INTO api_agent_summaries BY NAME
SELECT
    agent_name, status, aggregate_score, module_scores, n_jobs_per_module,
    len(job_ids) AS n_job_ids, $fetched_at AS fetched_at
FROM api_agents;

INSERT INTO api_agent_summary_job_ids
SELECT agent_name, unnest(list_sort(job_ids))
FROM api_agents;

DROP TABLE api_agents;

INSERT INTO api_session_summaries BY NAME
SELECT
    agent_name, session_id, status, aggregate_score, module_scores, n_jobs_per_module,
    list_sort(job_ids) AS job_ids, $fetched_at AS fetched_at
FROM session_score_summary;

INSERT INTO api_turn_summaries BY NAME
SELECT
    agent_name, session_id, turn, status, aggregate_score, module_scores, n_jobs_per_module,
    list_sort(job_ids) AS job_ids, $fetched_at AS fetched_at
FROM turn_score_summary;

-- Each change below marks its row stale (fingerprinted_with NULL), as a load storing it would. A
-- session is checked against its turns again when one of them is stale; one whose turn is
-- deleted is marked itself.

-- One agent lists a job the warehouse lacks.
INSERT INTO api_agent_summary_job_ids
SELECT min(agent_name), 'ghost-job' FROM api_agent_summaries;

UPDATE api_agent_summaries
SET n_job_ids = n_job_ids + 1, fingerprinted_with = NULL
WHERE agent_name = (SELECT min(agent_name) FROM api_agent_summaries);

-- About one session in 100,000 has a score off by half.
UPDATE api_session_summaries
SET aggregate_score = aggregate_score + 0.5, fingerprinted_with = NULL
WHERE hash(session_id, 'score') % 100000 = 0 AND aggregate_score IS NOT NULL;

-- About one turn in 100,000 misses one of its job ids.
UPDATE api_turn_summaries
SET job_ids = job_ids[2:], fingerprinted_with = NULL
WHERE hash(session_id, turn, 'ids') % 100000 = 0;

-- About one session in 200,000 lost a turn on the API side.
UPDATE api_session_summaries
SET fingerprinted_with = NULL
WHERE (agent_name, session_id) IN (
    SELECT agent_name, session_id
    FROM api_turn_summaries
    WHERE turn = 1 AND hash(session_id, 'turn') % 200000 = 0
);

DELETE FROM api_turn_summaries
WHERE turn = 1 AND hash(session_id, 'turn') % 200000 = 0;
