-- The API's ScoreSummary recomputed from `scoring_jobs`, at three levels: agent, session, turn.
--
-- Each summary rule lives in exactly one macro below, so a rule the real API turns out to apply
-- differently is changed in one place. The views share one aggregation at the finest grain
-- (agent, session, turn, module) and roll it up with sums, counts and maxima, so that a filter on
-- agent_name / session_id reaches the scan of `scoring_jobs` and a full recompute scans once per
-- view without building per-job lists other than job_ids.
-- Executed as one script; every statement is idempotent.

-- Rule: status. Ranked so that rolling up is a plain max(): a pending job outranks a failed one,
-- which outranks a completed one; any other status (not_run, or one the API adds) ranks lowest.
CREATE OR REPLACE MACRO job_status_rank(status) AS
    CASE
        WHEN status IN ('submitted', 'in_progress') THEN 3
        WHEN status = 'failed' THEN 2
        WHEN status = 'completed' THEN 1
        ELSE 0
    END;

-- The max rank over no jobs is NULL, which gives the NULL status of an empty summary.
CREATE OR REPLACE MACRO summary_status(max_rank) AS
    CASE max_rank
        WHEN 3 THEN 'in_progress'
        WHEN 2 THEN 'failed'
        WHEN 1 THEN 'completed'
        WHEN 0 THEN 'not_run'
    END;

-- Rule: which jobs count towards scores (aggregate_score, module_scores, n_jobs_per_module).
CREATE OR REPLACE MACRO job_is_scored(status, score) AS
    status = 'completed' AND score IS NOT NULL;

-- Rule: a mean over no scored job is NULL, never 0 or NaN.
CREATE OR REPLACE MACRO summary_mean(score_sum, n_scored) AS
    CASE WHEN n_scored > 0 THEN score_sum / n_scored END;

-- Rule: a module without a scored job is absent from both maps. These are aggregates over rows
-- that hold one module each; a summary with jobs but no scored job gets empty maps, as the API's.
CREATE OR REPLACE MACRO summary_module_scores(module, score_sum, n_scored) AS
    coalesce(
        map_from_entries(
            list({'key': module, 'value': summary_mean(score_sum, n_scored)})
                FILTER (WHERE n_scored > 0)
        ),
        MAP {}::MAP(VARCHAR, DOUBLE)
    );

CREATE OR REPLACE MACRO summary_n_jobs_per_module(module, n_scored) AS
    coalesce(
        map_from_entries(
            list({'key': module, 'value': n_scored}) FILTER (WHERE n_scored > 0)
        ),
        MAP {}::MAP(VARCHAR, BIGINT)
    );

-- Rule: which jobs a summary covers (job_ids: all of them, whatever their status). A job without
-- an agent name can be asked for by no summary endpoint, so it belongs to none; one without a
-- session counts for its agent only (the session and turn views drop the NULL session).
CREATE OR REPLACE VIEW score_summary_jobs AS
SELECT
    agent_name,
    agent_session_id AS session_id,
    agent_turn AS turn,
    module,
    status,
    score,
    job_id
FROM scoring_jobs
WHERE agent_name IS NOT NULL;

-- The finest grain. Every column rolls up by sum, max or concatenation.
CREATE OR REPLACE VIEW score_summary_grain AS
SELECT
    agent_name,
    session_id,
    turn,
    module,
    max(job_status_rank(status)) AS status_rank,
    count(*) FILTER (WHERE job_is_scored(status, score)) AS n_scored,
    sum(score) FILTER (WHERE job_is_scored(status, score)) AS score_sum,
    list(job_id) AS job_ids
FROM score_summary_jobs
GROUP BY agent_name, session_id, turn, module;

CREATE OR REPLACE VIEW turn_score_summary AS
SELECT
    agent_name,
    session_id,
    turn,
    summary_status(max(status_rank)) AS status,
    summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
    summary_module_scores(module, score_sum, n_scored) AS module_scores,
    summary_n_jobs_per_module(module, n_scored) AS n_jobs_per_module,
    flatten(list(job_ids)) AS job_ids
FROM score_summary_grain
WHERE session_id IS NOT NULL
GROUP BY agent_name, session_id, turn;

-- Sessions and agents first fold their turns into one row per module, for the module maps.
CREATE OR REPLACE VIEW session_score_summary AS
WITH per_module AS (
    SELECT
        agent_name,
        session_id,
        module,
        max(status_rank) AS status_rank,
        sum(n_scored) AS n_scored,
        sum(score_sum) AS score_sum,
        flatten(list(job_ids)) AS job_ids
    FROM score_summary_grain
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id, module
)
SELECT
    agent_name,
    session_id,
    summary_status(max(status_rank)) AS status,
    summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
    summary_module_scores(module, score_sum, n_scored) AS module_scores,
    summary_n_jobs_per_module(module, n_scored) AS n_jobs_per_module,
    flatten(list(job_ids)) AS job_ids
FROM per_module
GROUP BY agent_name, session_id;

CREATE OR REPLACE VIEW agent_score_summary AS
WITH per_module AS (
    SELECT
        agent_name,
        module,
        max(status_rank) AS status_rank,
        sum(n_scored) AS n_scored,
        sum(score_sum) AS score_sum,
        flatten(list(job_ids)) AS job_ids
    FROM score_summary_grain
    GROUP BY agent_name, module
)
SELECT
    agent_name,
    summary_status(max(status_rank)) AS status,
    summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
    summary_module_scores(module, score_sum, n_scored) AS module_scores,
    summary_n_jobs_per_module(module, n_scored) AS n_jobs_per_module,
    flatten(list(job_ids)) AS job_ids
FROM per_module
GROUP BY agent_name;
