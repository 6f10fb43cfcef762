-- The API's ScoreSummary recomputed from `scoring_jobs`, at three levels: agent, session, turn.
--
-- Every summary rule lives in exactly one macro below, so a rule the real API turns out to apply
-- differently is changed in one place; the views only choose the grouping keys.
--
-- Why each level aggregates the jobs directly (one hash aggregation per view) instead of rolling
-- up a base grouped by (agent, session, turn, module): a turn is scored once per module, so that
-- grain is as large as the table and rolling it up costs a second aggregation plus list
-- flattening, measured 3-10x slower at 5M jobs. Per group, only two lists are built: the job ids
-- (the output) and the (module, score) pairs of scored jobs, from which the means and counts are
-- taken in place; the status rule needs only a max() over ranks.
-- Filters on the grouping keys (agent_name, session_id, turn) are pushed down to the table scan.
--
-- Executed as one script; every statement is idempotent.

-- Rule: status. Ranked so that it folds with a plain max(): a pending job outranks a failed one,
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

-- Rule: which jobs count towards the scores (aggregate_score, module_scores, n_jobs_per_module).
CREATE OR REPLACE MACRO job_is_scored(status, score) AS
    status = 'completed' AND score IS NOT NULL;

-- Rule: a mean over no score is NULL, never 0 or NaN.
CREATE OR REPLACE MACRO scores_mean(scores) AS
    CASE WHEN len(scores) > 0 THEN list_sum(scores) / len(scores) END;

-- Aggregate: the scored jobs of a group as (module, score) pairs; empty, not NULL, when a group
-- has jobs but none scored, so that its module maps come out empty like the API's.
CREATE OR REPLACE MACRO scored_jobs(module, status, score) AS
    coalesce(
        list({'module': module, 'score': score}) FILTER (WHERE job_is_scored(status, score)),
        []::STRUCT(module VARCHAR, score DOUBLE)[]
    );

-- Rule: one entry per module that has a scored job; other modules are absent. Keys sorted only
-- so that the maps read the same every time.
CREATE OR REPLACE MACRO scored_modules(scored) AS
    list_sort(list_distinct([x.module FOR x IN scored]));

CREATE OR REPLACE MACRO summary_module_scores(scored) AS
    CAST(
        map_from_entries(
            [{'key': m, 'value': scores_mean([x.score FOR x IN scored IF x.module = m])}
             FOR m IN scored_modules(scored)]
        ) AS MAP(VARCHAR, DOUBLE)
    );

CREATE OR REPLACE MACRO summary_n_jobs_per_module(scored) AS
    CAST(
        map_from_entries(
            [{'key': m, 'value': len([x FOR x IN scored IF x.module = m])}
             FOR m IN scored_modules(scored)]
        ) AS MAP(VARCHAR, BIGINT)
    );

-- Aggregate: the whole ScoreSummary of a group of jobs (without turns), as a struct whose
-- fields are named as the API's. The two list aggregates inside are computed once per group:
-- DuckDB binds identical aggregate expressions once.
CREATE OR REPLACE MACRO score_summary(module, status, score, job_id) AS {
    'status': summary_status(max(job_status_rank(status))),
    'aggregate_score': CAST(
        scores_mean([x.score FOR x IN scored_jobs(module, status, score)]) AS DOUBLE
    ),
    'module_scores': summary_module_scores(scored_jobs(module, status, score)),
    'n_jobs_per_module': summary_n_jobs_per_module(scored_jobs(module, status, score)),
    'job_ids': CAST(list(job_id) AS VARCHAR[])
};

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

CREATE OR REPLACE VIEW agent_score_summary AS
SELECT agent_name, summary.*
FROM (
    SELECT agent_name, score_summary(module, status, score, job_id) AS summary
    FROM score_summary_jobs
    GROUP BY agent_name
);

CREATE OR REPLACE VIEW session_score_summary AS
SELECT agent_name, session_id, summary.*
FROM (
    SELECT agent_name, session_id, score_summary(module, status, score, job_id) AS summary
    FROM score_summary_jobs
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id
);

CREATE OR REPLACE VIEW turn_score_summary AS
SELECT agent_name, session_id, turn, summary.*
FROM (
    SELECT agent_name, session_id, turn, score_summary(module, status, score, job_id) AS summary
    FROM score_summary_jobs
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id, turn
);
