-- Load a batch of scoring jobs (registered as `batch`, one row per job): history first, then
-- the current rows. The tables declare no key (see sql/schema/001_tables.sql): the jobs we hold
-- are updated in place and only the others inserted, which keeps job_id unique.

-- Which of the batch's jobs we hold, found by one scan of scoring_jobs. Every statement below
-- joins the batch through it, so where it is empty (a backfill) DuckDB skips their scans of
-- the history and of scoring_jobs: a hash join with no build rows reads no probe side.
CREATE OR REPLACE TEMP TABLE held_jobs AS
SELECT b.job_id
FROM batch AS b
SEMI JOIN scoring_jobs AS j ON j.job_id = b.job_id;

-- Close the open history version of every job whose outcome changed.
UPDATE scoring_job_history AS h
SET valid_to = $synced_at
FROM batch AS b
SEMI JOIN held_jobs USING (job_id)
WHERE h.job_id = b.job_id
    AND h.valid_to IS NULL
    AND (h.status IS DISTINCT FROM b.status
        OR h.score IS DISTINCT FROM b.score
        OR h.explanation IS DISTINCT FROM b.explanation);

-- Open a version for every job without an open one: new, changed, or back after being gone.
-- Only jobs we hold can have one: the history has versions of no other job, since this script
-- writes both tables together and nothing deletes from either.
INSERT INTO scoring_job_history (job_id, status, score, explanation, valid_from, valid_to)
SELECT b.job_id, b.status, b.score, b.explanation, $synced_at, NULL
FROM batch AS b
ANTI JOIN (
    SELECT h.job_id
    FROM scoring_job_history AS h
    SEMI JOIN held_jobs USING (job_id)
    WHERE h.valid_to IS NULL
) AS open_version ON open_version.job_id = b.job_id;

-- The jobs we hold take the batch's reading, each tagged with its module's scale.
UPDATE scoring_jobs AS j
SET
    module = b.module,
    status = b.status,
    score = b.score,
    explanation = b.explanation,
    customer_id = b.customer_id,
    project_id = b.project_id,
    agent_name = b.agent_name,
    agent_version = b.agent_version,
    agent_session_id = b.agent_session_id,
    agent_turn = b.agent_turn,
    agent_workflow_name = b.agent_workflow_name,
    agent_workflow_version = b.agent_workflow_version,
    agent_workflow_session_id = b.agent_workflow_session_id,
    batch_definition_id = b.batch_definition_id,
    batch_execution_id = b.batch_execution_id,
    tool_id = b.tool_id,
    tool_instance_id = b.tool_instance_id,
    tool_execution_id = b.tool_execution_id,
    scale = (SELECT m.scale FROM module_scales AS m WHERE m.module = b.module),
    last_seen_at = $synced_at,
    gone_at = NULL
FROM batch AS b
SEMI JOIN held_jobs USING (job_id)
WHERE j.job_id = b.job_id;

-- The others are new.
INSERT INTO scoring_jobs BY NAME
SELECT
    batch.*,
    module_scales.scale,
    $synced_at AS first_seen_at,
    $synced_at AS last_seen_at
FROM batch
LEFT JOIN module_scales USING (module)
ANTI JOIN held_jobs USING (job_id)
-- Rows stored grouped by session keep one session's summary lookup a short, pruned scan.
ORDER BY batch.agent_name, batch.agent_session_id, batch.agent_turn;

DROP TABLE held_jobs;
