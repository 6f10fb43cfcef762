-- The API's ScoreSummary recomputed from `scoring_jobs`, at three levels: agent, session, turn.
--
-- Every summary rule lives in exactly one scalar macro below, so that a rule the real API turns
-- out to apply differently changes in one place. The table macros *_summaries_of(jobs) shape
-- the three levels over any relation of jobs; the views apply them to all jobs, and the
-- reconciliation to the jobs of the summaries it compares. The last macros are the
-- reconciliation's own: the fingerprints it compares summaries by, and its rule for scores.
--
-- Shape of a level, chosen by measurement at 5M jobs: one aggregation per (level keys, module)
-- feeds the status, the means and the module maps; a second one per level keys builds job_ids;
-- the two are joined on the keys. A shared base grouped by (agent, session, turn, module) and
-- rolled up to every level measured 3-10x slower: a turn is scored once per module, so that
-- grain is as large as the table, and concatenating job-id lists upwards (flatten(list(...)))
-- costs more than building them again. Filters on the keys (agent_name, session_id, turn)
-- reach both table scans, which is what makes one session's summary cheap.
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

-- The inverse of summary_status: the rank a summary's status stands for. A session's status is
-- that of its highest-ranked turn, which is how the reconciliation reads it off the API's turns.
CREATE OR REPLACE MACRO summary_status_rank(status) AS
    CASE status
        WHEN 'in_progress' THEN 3
        WHEN 'failed' THEN 2
        WHEN 'completed' THEN 1
        WHEN 'not_run' THEN 0
    END;

-- Rule: which jobs count towards the scores (aggregate_score, module_scores, n_jobs_per_module).
CREATE OR REPLACE MACRO job_is_scored(status, score) AS
    status = 'completed' AND score IS NOT NULL;

-- Rule: a mean over no scored job is NULL, never 0 or NaN.
CREATE OR REPLACE MACRO summary_mean(score_sum, n_scored) AS
    CASE WHEN n_scored > 0 THEN score_sum / n_scored END;

-- Aggregates over one row per module: the modules that have a scored job. A module without one
-- is absent from both maps; a summary whose jobs have no score gets empty maps (not NULL), as
-- the API's does. Built by the aggregate itself: a list comprehension over each summary's
-- modules measured ~10 us a row, most of the views' time at 5M jobs.
CREATE OR REPLACE MACRO summary_module_scores(module, n_scored, score_sum) AS
    coalesce(
        map_from_entries(
            list({'key': module, 'value': summary_mean(score_sum, n_scored)})
                FILTER (WHERE n_scored > 0)
        )::MAP(VARCHAR, DOUBLE),
        MAP {}::MAP(VARCHAR, DOUBLE)
    );

CREATE OR REPLACE MACRO summary_n_jobs_per_module(module, n_scored) AS
    coalesce(
        map_from_entries(
            list({'key': module, 'value': n_scored}) FILTER (WHERE n_scored > 0)
        )::MAP(VARCHAR, BIGINT),
        MAP {}::MAP(VARCHAR, BIGINT)
    );

-- Rule: which jobs a summary covers (job_ids: all of them, whatever their status). A job without
-- an agent name can be asked for by no summary endpoint, so it belongs to none; one without a
-- session counts for its agent only (the session and turn views drop the NULL session). A job
-- the API no longer returns (gone) is in none of its summaries either.
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
WHERE agent_name IS NOT NULL AND gone_at IS NULL;

-- The jobs summed per module, once per level; each level folds these rows with the macros above.
CREATE OR REPLACE MACRO score_summary_module_rows(status, score) AS {
    'status_rank': max(job_status_rank(status)),
    'n_scored': count(*) FILTER (WHERE job_is_scored(status, score)),
    'score_sum': sum(score) FILTER (WHERE job_is_scored(status, score))
};

-- The three levels as table macros over a relation shaped like score_summary_jobs (named by
-- `jobs`), so that the reconciliation can recompute only the summaries it compares, from the
-- jobs of the summaries it doubts, with the very same definition the views use. Each level is
-- two macros: *_summary_fields_of, every field but job_ids, and *_summaries_of, those joined
-- with job_ids; the reconciliation matches job ids one by one instead of building the lists.
CREATE OR REPLACE MACRO agent_summary_fields_of(jobs) AS TABLE
WITH per_module AS (
    SELECT agent_name, module, score_summary_module_rows(status, score) AS m
    FROM query_table(jobs)
    GROUP BY agent_name, module
)
SELECT
    agent_name,
    summary_status(max(m.status_rank)) AS status,
    summary_mean(sum(m.score_sum), sum(m.n_scored)) AS aggregate_score,
    summary_module_scores(module, m.n_scored, m.score_sum) AS module_scores,
    summary_n_jobs_per_module(module, m.n_scored) AS n_jobs_per_module
FROM per_module
GROUP BY agent_name;

CREATE OR REPLACE MACRO agent_summaries_of(jobs) AS TABLE
WITH ids AS (
    SELECT agent_name, list(job_id) AS job_ids
    FROM query_table(jobs)
    GROUP BY agent_name
)
SELECT
    f.agent_name,
    f.status,
    f.aggregate_score,
    f.module_scores,
    f.n_jobs_per_module,
    i.job_ids
FROM agent_summary_fields_of(jobs) AS f
JOIN ids AS i ON i.agent_name = f.agent_name;

CREATE OR REPLACE MACRO session_summary_fields_of(jobs) AS TABLE
WITH per_module AS (
    SELECT agent_name, session_id, module, score_summary_module_rows(status, score) AS m
    FROM query_table(jobs)
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id, module
)
SELECT
    agent_name,
    session_id,
    summary_status(max(m.status_rank)) AS status,
    summary_mean(sum(m.score_sum), sum(m.n_scored)) AS aggregate_score,
    summary_module_scores(module, m.n_scored, m.score_sum) AS module_scores,
    summary_n_jobs_per_module(module, m.n_scored) AS n_jobs_per_module
FROM per_module
GROUP BY agent_name, session_id;

CREATE OR REPLACE MACRO session_summaries_of(jobs) AS TABLE
WITH ids AS (
    SELECT agent_name, session_id, list(job_id) AS job_ids
    FROM query_table(jobs)
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id
)
SELECT
    f.agent_name,
    f.session_id,
    f.status,
    f.aggregate_score,
    f.module_scores,
    f.n_jobs_per_module,
    i.job_ids
FROM session_summary_fields_of(jobs) AS f
JOIN ids AS i ON i.agent_name = f.agent_name AND i.session_id = f.session_id;

CREATE OR REPLACE MACRO turn_summary_fields_of(jobs) AS TABLE
WITH per_module AS (
    SELECT agent_name, session_id, turn, module, score_summary_module_rows(status, score) AS m
    FROM query_table(jobs)
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id, turn, module
)
SELECT
    agent_name,
    session_id,
    turn,
    summary_status(max(m.status_rank)) AS status,
    summary_mean(sum(m.score_sum), sum(m.n_scored)) AS aggregate_score,
    summary_module_scores(module, m.n_scored, m.score_sum) AS module_scores,
    summary_n_jobs_per_module(module, m.n_scored) AS n_jobs_per_module
FROM per_module
GROUP BY agent_name, session_id, turn;

CREATE OR REPLACE MACRO turn_summaries_of(jobs) AS TABLE
WITH ids AS (
    SELECT agent_name, session_id, turn, list(job_id) AS job_ids
    FROM query_table(jobs)
    WHERE session_id IS NOT NULL
    GROUP BY agent_name, session_id, turn
)
SELECT
    f.agent_name,
    f.session_id,
    f.turn,
    f.status,
    f.aggregate_score,
    f.module_scores,
    f.n_jobs_per_module,
    i.job_ids
FROM turn_summary_fields_of(jobs) AS f
-- The NULL turn (jobs without one) is a turn of its own.
JOIN ids AS i
    ON i.agent_name = f.agent_name
    AND i.session_id = f.session_id
    AND i.turn IS NOT DISTINCT FROM f.turn;

CREATE OR REPLACE VIEW agent_score_summary AS FROM agent_summaries_of('score_summary_jobs');

CREATE OR REPLACE VIEW session_score_summary AS FROM session_summaries_of('score_summary_jobs');

CREATE OR REPLACE VIEW turn_score_summary AS FROM turn_summaries_of('score_summary_jobs');

-- Fingerprints, for the reconciliation (sql/models/summary_fingerprints.sql stores the API rows',
-- sql/models/summary_reconciliation.sql computes the warehouse's): a set of items as one
-- number, from its size and the bit_xor of the items' hashes, so that equal sets give equal
-- numbers whatever their order, and comparing millions of summaries is comparing integers. Two
-- different sets give the same number only by a 64-bit hash collision. Kept in BIGINT (63 bits
-- of the hash): the Iceberg tables have no unsigned type.
CREATE OR REPLACE MACRO set_fingerprint(n_items, items_xor) AS
    (hash(n_items::BIGINT, coalesce(items_xor, 0)::UBIGINT) >> 1)::BIGINT;

-- Stored fingerprints stand for this definition and this DuckDB's hash(), which a release may
-- change: rows fingerprinted under another are fingerprinted again. The version is a hash of
-- values of every type the fingerprints hash, so that it changes with hash(); change the text
-- whenever a fingerprint's definition changes.
CREATE OR REPLACE MACRO summary_fingerprint_version() AS
    (hash('summary fingerprints 1', 0.5::DOUBLE, 1::BIGINT, NULL::BIGINT) >> 1)::BIGINT;

-- A session as one number, for grouping and joining on it instead of two strings.
CREATE OR REPLACE MACRO summary_session_key(agent_name, session_id) AS
    (hash(agent_name, session_id) >> 1)::BIGINT;

-- job_ids as a set of ids; a missing list is the empty one.
CREATE OR REPLACE MACRO job_ids_fingerprint(job_ids) AS
    set_fingerprint(coalesce(len(job_ids), 0), list_bit_xor([hash(i) FOR i IN job_ids]));

-- The same number for ids that are rows, as an aggregate over a group's distinct job ids (a
-- group whose job_id is all NULL, as a LEFT JOIN gives for an agent without ids, is the empty
-- set).
CREATE OR REPLACE MACRO job_id_rows_fingerprint(job_id) AS
    set_fingerprint(count(job_id), bit_xor(hash(job_id)));

-- Both maps as one set of entries, each hashed with the name of its map so that the two maps'
-- entries never stand for one another; a missing map is the empty one. The warehouse's side,
-- built job by job, hashes its entries the same way.
CREATE OR REPLACE MACRO module_score_entry_hash(module, score) AS
    hash('module_scores', module, score);

CREATE OR REPLACE MACRO module_count_entry_hash(module, n_jobs) AS
    hash('n_jobs_per_module', module, n_jobs::BIGINT);

CREATE OR REPLACE MACRO module_maps_fingerprint(module_scores, n_jobs_per_module) AS
    set_fingerprint(
        coalesce(len(map_keys(module_scores)), 0) + coalesce(len(map_keys(n_jobs_per_module)), 0),
        xor(
            coalesce(list_bit_xor(
                [module_score_entry_hash(e.key, e.value) FOR e IN map_entries(module_scores)]
            ), 0),
            coalesce(list_bit_xor(
                [module_count_entry_hash(e.key, e.value) FOR e IN map_entries(n_jobs_per_module)]
            ), 0)
        )
    );

-- A turn as one number: its key, the rank of its status, its job ids and its maps; equal for
-- the API's row and the warehouse's turn exactly when all of these are equal.
CREATE OR REPLACE MACRO turn_fingerprint(
    session_key, turn, status_rank, job_ids_fingerprint, module_maps_fingerprint
) AS
    (hash(session_key, turn, status_rank, job_ids_fingerprint, module_maps_fingerprint) >> 1)
        ::BIGINT;

-- The reconciliation's one rule for two scores: they match when both are NULL, or when they
-- differ by at most the tolerance; NULL on one side only, or NaN (which sorts above any
-- tolerance) on either, differs.
CREATE OR REPLACE MACRO scores_differ(a, b, tolerance) AS
    CASE
        WHEN a IS NULL AND b IS NULL THEN false
        ELSE coalesce(abs(a - b) > tolerance, true)
    END;
