-- Fingerprints every API summary stored since the last reconciliation without its fingerprints
-- (or with those of another fingerprint version: summary_fingerprint_version() in
-- sql/views/score_summaries.sql), so that the reconciliation compares integers instead of
-- reading every list and map again. Run first in the reconciliation's transaction; rows
-- already fingerprinted cost nothing. (The agent summary load fingerprints its rows itself.)
--
-- A turn keeps turn_fingerprint() of its key, status, job ids and maps, and module_scores_mean,
-- the aggregate score its module scores give when each stands for one job: the reconciliation
-- compares the first with the warehouse's turn, and its aggregate_score with the second. A turn
-- with a module score that is not finite gets no fingerprint, so it is always compared exactly
-- (NaN differs even from itself, which equal hashes would hide).
--
-- A session is checked against its own turns: what they add up to by the summary rules, kept
-- as turns_consistent (status, job_ids, n_jobs_per_module and the modules scored agree exactly,
-- and no turn is listed twice), turns_aggregate_score and turns_module_scores_max_diff (compared
-- with the tolerance by the reconciliation). When every turn of the session equals the
-- warehouse's entry for entry, one module score per scored job, the session's jobs are its
-- turns' entries: the session equals the warehouse's summary exactly when it agrees with its
-- turns, and the reconciliation uses that instead of aggregating its jobs per module again.

-- Sessions first: a session is checked again whenever it or one of its turns is new. The rows
-- are picked by rowid from a scan of two integer columns: a sync's reconciliation has its few
-- new summaries among all those stored, and a filter on their names reads far more.
WITH
stale_keys AS (
    SELECT summary_session_key(agent_name, session_id) AS session_key
    FROM api_session_summaries
    WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version()
    UNION
    SELECT summary_session_key(agent_name, session_id)
    FROM api_turn_summaries
    WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version()
),
sessions AS (
    SELECT
        rowid AS api_row,
        agent_name,
        session_id,
        status,
        module_scores,
        n_jobs_per_module,
        job_ids
    FROM api_session_summaries
    WHERE rowid IN (
        SELECT rowid
        FROM api_session_summaries
        WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version()
            OR session_key IN (SELECT session_key FROM stale_keys)
    )
),
-- A session's turns: new, or stored with its key (a colliding key brings another session's
-- turns along, told apart by name below).
turns AS (
    SELECT agent_name, session_id, turn, status, module_scores, n_jobs_per_module, job_ids
    FROM api_turn_summaries
    WHERE rowid IN (
        SELECT rowid
        FROM api_turn_summaries
        WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version()
            OR session_key IN (SELECT session_key FROM stale_keys)
    )
),
turn_totals AS (
    SELECT
        agent_name,
        session_id,
        count(*) AS n_rows,
        -- The NULL turn is a turn of its own.
        count(DISTINCT turn) + max((turn IS NULL)::INTEGER) AS n_turns,
        summary_status(max(summary_status_rank(status))) AS status,
        sum(coalesce(len(job_ids), 0)) AS n_ids,
        bit_xor(list_bit_xor([hash(i) FOR i IN job_ids])) AS ids_xor
    FROM turns
    GROUP BY agent_name, session_id
),
-- One row per map entry: the session's own, and its turns'.
entries AS (
    SELECT
        agent_name, session_id, true AS own,
        unnest(map_keys(module_scores)) AS module,
        unnest(map_values(module_scores)) AS score,
        NULL::BIGINT AS n_jobs
    FROM sessions
    UNION ALL
    SELECT
        agent_name, session_id, true,
        unnest(map_keys(n_jobs_per_module)), NULL::DOUBLE, unnest(map_values(n_jobs_per_module))
    FROM sessions
    UNION ALL
    SELECT
        agent_name, session_id, false,
        unnest(map_keys(module_scores)), unnest(map_values(module_scores)), NULL::BIGINT
    FROM turns
    UNION ALL
    SELECT
        agent_name, session_id, false,
        unnest(map_keys(n_jobs_per_module)), NULL::DOUBLE, unnest(map_values(n_jobs_per_module))
    FROM turns
),
modules AS (
    SELECT
        agent_name,
        session_id,
        module,
        count(score) FILTER (WHERE own) AS own_scored,
        sum(score) FILTER (WHERE own) AS own_score,
        sum(n_jobs) FILTER (WHERE own) AS own_n_jobs,
        -- Each turn's module score stands for one job: read when every turn has one job per
        -- module, the only case in which the reconciliation uses it.
        count(score) FILTER (WHERE NOT own) AS turns_scored,
        sum(score) FILTER (WHERE NOT own) AS turns_score_sum,
        sum(n_jobs) FILTER (WHERE NOT own) AS turns_n_jobs
    FROM entries
    GROUP BY agent_name, session_id, module
),
module_totals AS (
    SELECT
        agent_name,
        session_id,
        bool_and(
            (own_scored > 0) = (turns_scored > 0)
            AND own_n_jobs IS NOT DISTINCT FROM turns_n_jobs
        ) AS modules_agree,
        -- Over the modules both have; NULL when they share none.
        max(abs(own_score - summary_mean(turns_score_sum, turns_scored)))
            FILTER (WHERE own_scored > 0 AND turns_scored > 0) AS module_scores_max_diff,
        summary_mean(sum(turns_score_sum), sum(turns_scored)) AS aggregate_score
    FROM modules
    GROUP BY agent_name, session_id
),
checked AS (
    SELECT
        s.api_row,
        coalesce(t.n_rows, 0) = coalesce(t.n_turns, 0)
            AND s.status IS NOT DISTINCT FROM t.status
            AND coalesce(len(s.job_ids), 0) = coalesce(t.n_ids, 0)
            AND coalesce(list_bit_xor([hash(i) FOR i IN s.job_ids]), 0) = coalesce(t.ids_xor, 0)
            AND coalesce(m.modules_agree, true) AS consistent,
        m.aggregate_score,
        m.module_scores_max_diff
    FROM sessions AS s
    LEFT JOIN turn_totals AS t USING (agent_name, session_id)
    LEFT JOIN module_totals AS m USING (agent_name, session_id)
)
UPDATE api_session_summaries AS a
SET
    session_key = summary_session_key(a.agent_name, a.session_id),
    turns_consistent = c.consistent,
    turns_aggregate_score = c.aggregate_score,
    turns_module_scores_max_diff = c.module_scores_max_diff,
    fingerprinted_with = summary_fingerprint_version()
FROM checked AS c
WHERE a.rowid = c.api_row;

UPDATE api_turn_summaries
SET
    session_key = summary_session_key(agent_name, session_id),
    fingerprint = CASE
        WHEN coalesce(list_bool_and([isfinite(v) FOR v IN map_values(module_scores)]), true)
            THEN turn_fingerprint(
                summary_session_key(agent_name, session_id),
                turn,
                summary_status_rank(status),
                job_ids_fingerprint(job_ids),
                module_maps_fingerprint(module_scores, n_jobs_per_module)
            )
    END,
    module_scores_mean = summary_mean(
        list_sum(map_values(module_scores)), len(map_keys(module_scores))
    ),
    fingerprinted_with = summary_fingerprint_version()
WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version();

-- An agent's ids are its rows of api_agent_summary_job_ids (none: the empty list).
WITH
stale AS (
    SELECT agent_name
    FROM api_agent_summaries
    WHERE fingerprinted_with IS DISTINCT FROM summary_fingerprint_version()
),
listed AS (
    SELECT s.agent_name, job_id_rows_fingerprint(i.job_id) AS job_ids_fingerprint
    FROM stale AS s
    LEFT JOIN api_agent_summary_job_ids AS i USING (agent_name)
    GROUP BY s.agent_name
)
UPDATE api_agent_summaries AS a
SET
    job_ids_fingerprint = l.job_ids_fingerprint,
    fingerprinted_with = summary_fingerprint_version()
FROM listed AS l
WHERE a.agent_name = l.agent_name;
