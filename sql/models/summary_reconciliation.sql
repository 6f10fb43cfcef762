-- Compares every summary the API returned with the one recomputed from the warehouse's jobs, by
-- the rules of sql/views/score_summaries.sql:
--   agent   every row of api_agent_summaries;
--   session every row of api_session_summaries;
--   turn    per fetched session, its api_turn_summaries rows fully outer-joined with the turns
--           recomputed for it, so that a turn only one side has is a mismatch.
-- A summary missing on one side compares as the all-null summary, and NULL compares equal to an
-- empty map or list, since the API returns either for a summary of no jobs.
--
-- Stores one row per summary that does not match in summary_reconciliation, and per level how
-- many summaries were compared and how many differ in summary_reconciliation_totals: a matching
-- summary is counted, not stored (at millions of summaries storing them cost more than the
-- comparison).
--
-- Parameters (bound, never formatted in):
--   $tolerance      largest absolute difference between two scores that still matches;
--   $reconciled_at  the TIMESTAMPTZ stamped on every row.
-- Run after summary_fingerprints.sql and summary_reconciliation_clear.sql, in one transaction.
--
-- Shape, chosen by measurement at 5M jobs (benchmarks/summaries.py). A bulk pass first sets
-- aside the summaries that certainly match, comparing integers; the few it cannot vouch for
-- (the suspects) are then recomputed by the views' own table macros and compared field by
-- field. That second comparison is the reconciliation proper: what it finds equal matches,
-- whatever the bulk pass thought, so the bulk pass may doubt a summary but never clear one that
-- differs.
--
-- The bulk pass reads the jobs once, grouped per turn (the NULL turn, and the jobs without a
-- session, forming groups of their own), and keys sessions by a 64-bit hash of (agent_name,
-- session_id): grouping and joining millions of rows on string keys measured 2-3x slower. Two
-- sessions whose keys collide have the jobs of their like-numbered turns merged, which then
-- differ from both API rows (their job counts do): both go to the exact comparison, which reads
-- them by name, so a collision costs time, never a false match. The fingerprints (sql/views/
-- score_summaries.sql) are hashes of the same width: two different ones being equal is the one
-- imprecision of the pass.
--   turn    A turn is scored once per module, so each scored job is one entry of both maps (its
--           score is its module's mean, with one job): the turn's key, status, job ids and maps
--           are fingerprinted job by job, and must equal the API row's stored fingerprint. The
--           row's aggregate score must then equal, within the tolerance, the mean of its own
--           module scores. A turn whose API row counts a module twice has fewer entries than
--           scored jobs, so it never passes and is compared exactly; nor does a row with a
--           score that is not finite (it has no fingerprint: NaN differs from itself).
--   session Aggregating the jobs again per (session, module) measured about as slow as all the
--           rest together, and is not needed: when every turn of a session passed, the
--           session's jobs are its API turns' entries, so the session matches exactly when it
--           agrees with its turns, which summary_fingerprints.sql checked once when the rows
--           were stored. Any other session is compared exactly.
--   agent   A handful: always compared exactly, except their job ids (hundreds of thousands
--           each), matched one by one only when their fingerprints differ.

-- The summaries the bulk pass cannot vouch for, named by their API row (rowid) where they have
-- one; a turn only the warehouse has is named from its session's jobs by the exact comparison.
CREATE OR REPLACE TEMP TABLE reconciliation_suspects AS
WITH
-- The jobs per turn, fingerprinted as the API's turn rows are (summary_fingerprints.sql): each
-- scored job is one entry of both maps, its module's score (the mean of one job) and count (1).
-- The jobs without a session form one group per agent (session_key NULL), for its job ids.
recomputed_turns AS MATERIALIZED (
    SELECT
        agent_name,
        session_key,
        turn,
        turn_fingerprint(
            session_key,
            turn,
            max(job_status_rank(status)),
            job_id_rows_fingerprint(job_id),
            set_fingerprint(
                2 * count(*) FILTER (WHERE job_is_scored(status, score)),
                bit_xor(
                    xor(module_score_entry_hash(module, score), module_count_entry_hash(module, 1))
                ) FILTER (WHERE job_is_scored(status, score))
            )
        ) AS fingerprint,
        count(*) AS n_ids,
        bit_xor(hash(job_id)) AS ids_xor
    FROM (
        SELECT
            *,
            CASE
                WHEN session_id IS NOT NULL THEN summary_session_key(agent_name, session_id)
            END AS session_key
        FROM score_summary_jobs
    )
    GROUP BY agent_name, session_key, turn
),
-- Each side's turn fingerprints summed up per bucket of their low bits, as a count and a
-- bit_xor: a bucket that agrees holds the same turns on both sides (but for a 64-bit collision)
-- and is skipped; only the few that do not are joined turn by turn.
differing_buckets AS (
    SELECT coalesce(a.bucket, w.bucket) AS bucket
    FROM (
        SELECT fingerprint & 16383 AS bucket, count(*) AS n, bit_xor(fingerprint) AS fingerprints
        FROM api_turn_summaries
        WHERE fingerprint IS NOT NULL
        GROUP BY bucket
    ) AS a
    FULL OUTER JOIN (
        SELECT fingerprint & 16383 AS bucket, count(*) AS n, bit_xor(fingerprint) AS fingerprints
        FROM recomputed_turns
        WHERE session_key IS NOT NULL
        GROUP BY bucket
    ) AS w
        ON w.bucket = a.bucket
    WHERE a.n IS DISTINCT FROM w.n OR a.fingerprints IS DISTINCT FROM w.fingerprints
),
-- The API turns and the warehouse's without an identical counterpart (an API row without a
-- fingerprint has none), and the API turns whose aggregate score is off: with equal
-- fingerprints a turn's module scores are its jobs' scores, so the aggregate score its jobs
-- give is the one the row's own module scores give.
unmatched_turns AS MATERIALIZED (
    SELECT
        a.api_row,
        coalesce(a.session_key, r.session_key) AS session_key,
        coalesce(a.turn, r.turn) AS turn
    FROM (
        SELECT rowid AS api_row, session_key, turn, fingerprint
        FROM api_turn_summaries
        WHERE fingerprint IS NULL
            OR fingerprint & 16383 IN (SELECT bucket FROM differing_buckets)
    ) AS a
    FULL OUTER JOIN (
        SELECT session_key, turn, fingerprint
        FROM recomputed_turns
        WHERE session_key IS NOT NULL
            AND fingerprint & 16383 IN (SELECT bucket FROM differing_buckets)
    ) AS r
        ON r.fingerprint = a.fingerprint
    WHERE a.api_row IS NULL OR r.fingerprint IS NULL
    UNION
    SELECT rowid, session_key, turn
    FROM api_turn_summaries
    WHERE scores_differ(aggregate_score, module_scores_mean, $tolerance)
),
-- A warehouse turn without an API row of its key (an API row of its key would be unmatched
-- too) is compared if its session was fetched: named by the session's API row or (not
-- expected) by one of its API turn rows. A session with neither was not fetched.
warehouse_only_turns AS (
    SELECT w.session_key, w.turn
    FROM unmatched_turns AS w
    ANTI JOIN unmatched_turns AS a
        ON a.api_row IS NOT NULL
        AND a.session_key = w.session_key
        AND a.turn IS NOT DISTINCT FROM w.turn
    WHERE w.api_row IS NULL
),
named_warehouse_only_turns AS (
    SELECT w.session_key, w.turn, s.agent_name, s.session_id
    FROM warehouse_only_turns AS w
    JOIN api_session_summaries AS s ON s.session_key = w.session_key
    UNION
    SELECT w.session_key, w.turn, t.agent_name, t.session_id
    FROM warehouse_only_turns AS w
    JOIN api_turn_summaries AS t ON t.session_key = w.session_key
),
suspect_turns AS (
    SELECT u.api_row, u.session_key, u.turn, a.agent_name, a.session_id
    FROM unmatched_turns AS u
    JOIN api_turn_summaries AS a ON a.rowid = u.api_row
    UNION ALL
    SELECT NULL, session_key, turn, agent_name, session_id
    FROM named_warehouse_only_turns
),
-- A session with a turn in doubt is compared exactly; one whose turns all match is compared
-- with what they add up to (summary_fingerprints.sql).
suspect_sessions AS (
    SELECT rowid AS api_row
    FROM api_session_summaries
    WHERE NOT coalesce(
            turns_consistent
            AND NOT scores_differ(aggregate_score, turns_aggregate_score, $tolerance)
            AND coalesce(turns_module_scores_max_diff, 0) <= $tolerance,
            false
        )
        OR session_key IN (SELECT session_key FROM suspect_turns)
),
recomputed_agent_ids AS (
    SELECT agent_name, sum(n_ids) AS n_ids, bit_xor(ids_xor) AS ids_xor
    FROM recomputed_turns
    GROUP BY agent_name
)
SELECT
    'agent' AS level,
    a.rowid AS api_row,
    a.agent_name,
    NULL::VARCHAR AS session_id,
    NULL::BIGINT AS turn,
    a.job_ids_fingerprint IS DISTINCT FROM set_fingerprint(coalesce(r.n_ids, 0), r.ids_xor)
        AS compare_ids
FROM api_agent_summaries AS a
LEFT JOIN recomputed_agent_ids AS r ON r.agent_name = a.agent_name
UNION ALL
SELECT 'session', rowid, agent_name, session_id, NULL, true
FROM api_session_summaries
WHERE rowid IN (SELECT api_row FROM suspect_sessions)
UNION ALL
SELECT 'turn', api_row, agent_name, session_id, turn, true
FROM suspect_turns;

-- The exact comparison of the suspects: every API row against the summary the views' macros
-- recompute from the jobs of its agent or session. Job ids are matched one by one, the API's
-- from api_agent_summary_job_ids or unnested from its row, the warehouse's read from the jobs;
-- an agent's only when its fingerprints differ (they are hundreds of thousands).
INSERT INTO summary_reconciliation (
    level, agent_name, session_id, turn, matches, mismatched_fields,
    api_status, recomputed_status, api_aggregate_score, recomputed_aggregate_score,
    aggregate_score_diff, module_scores_max_diff, modules_only_in_api, modules_only_in_warehouse,
    n_jobs_per_module_max_diff, job_ids_only_in_api, job_ids_only_in_warehouse, reconciled_at
)
WITH
agent_jobs AS NOT MATERIALIZED (
    SELECT *
    FROM score_summary_jobs
    WHERE agent_name IN (SELECT agent_name FROM reconciliation_suspects WHERE level = 'agent')
),
-- Filtered on session_id alone first, which reaches the table scan.
session_jobs AS MATERIALIZED (
    SELECT *
    FROM score_summary_jobs
    WHERE session_id IN (
            SELECT session_id FROM reconciliation_suspects WHERE level <> 'agent'
        )
        AND (agent_name, session_id) IN (
            SELECT agent_name, session_id FROM reconciliation_suspects WHERE level <> 'agent'
        )
),
suspects AS (
    SELECT level, api_row, agent_name, session_id, turn, compare_ids
    FROM reconciliation_suspects
),
-- The API rows' fields, read by rowid; their job ids only where they are compared.
api AS (
    SELECT
        'agent' AS level, rowid AS api_row,
        status, aggregate_score, module_scores, n_jobs_per_module
    FROM api_agent_summaries
    WHERE rowid IN (SELECT api_row FROM reconciliation_suspects WHERE level = 'agent')
    UNION ALL
    SELECT 'session', rowid, status, aggregate_score, module_scores, n_jobs_per_module
    FROM api_session_summaries
    WHERE rowid IN (SELECT api_row FROM reconciliation_suspects WHERE level = 'session')
    UNION ALL
    SELECT 'turn', rowid, status, aggregate_score, module_scores, n_jobs_per_module
    FROM api_turn_summaries
    WHERE rowid IN (SELECT api_row FROM reconciliation_suspects WHERE level = 'turn')
),
recomputed AS (
    SELECT
        'agent' AS level, agent_name, NULL::VARCHAR AS session_id, NULL::BIGINT AS turn,
        status, aggregate_score, module_scores, n_jobs_per_module
    FROM agent_summary_fields_of('agent_jobs')
    UNION ALL
    SELECT
        'session', agent_name, session_id, NULL,
        status, aggregate_score, module_scores, n_jobs_per_module
    FROM session_summary_fields_of('session_jobs')
    UNION ALL
    SELECT
        'turn', agent_name, session_id, turn,
        status, aggregate_score, module_scores, n_jobs_per_module
    FROM turn_summary_fields_of('session_jobs')
),
pairs AS MATERIALIZED (
    SELECT
        row_number() OVER () AS pair_id,
        s.level,
        s.agent_name,
        s.session_id,
        s.turn,
        s.api_row,
        s.compare_ids,
        a.status AS api_status,
        r.status AS recomputed_status,
        a.aggregate_score AS api_aggregate_score,
        r.aggregate_score AS recomputed_aggregate_score,
        coalesce(a.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS api_module_scores,
        coalesce(r.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS wh_module_scores,
        coalesce(a.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS api_n_jobs,
        coalesce(r.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS wh_n_jobs
    FROM suspects AS s
    LEFT JOIN api AS a ON a.level = s.level AND a.api_row = s.api_row
    LEFT JOIN recomputed AS r
        ON r.level = s.level
        AND r.agent_name = s.agent_name
        AND r.session_id IS NOT DISTINCT FROM s.session_id
        AND r.turn IS NOT DISTINCT FROM s.turn
),
-- job_ids compare as sets: one row per (pair, id), matched by one hash aggregation. An agent's
-- ids are its rows of api_agent_summary_job_ids, read by name (the filter reaches the scan),
-- a session's or turn's unnested from its row.
api_job_ids AS (
    SELECT p.pair_id, i.job_id
    FROM pairs AS p
    JOIN api_agent_summary_job_ids AS i ON i.agent_name = p.agent_name
    WHERE p.level = 'agent' AND p.compare_ids
        AND i.agent_name IN (
            SELECT agent_name FROM reconciliation_suspects WHERE level = 'agent' AND compare_ids
        )
    UNION ALL
    SELECT p.pair_id, unnest(a.job_ids)
    FROM pairs AS p
    JOIN (
        SELECT 'session' AS level, rowid AS api_row, job_ids
        FROM api_session_summaries
        WHERE rowid IN (
            SELECT api_row FROM reconciliation_suspects WHERE level = 'session' AND compare_ids
        )
        UNION ALL
        SELECT 'turn', rowid, job_ids
        FROM api_turn_summaries
        WHERE rowid IN (
            SELECT api_row FROM reconciliation_suspects WHERE level = 'turn' AND compare_ids
        )
    ) AS a ON a.level = p.level AND a.api_row = p.api_row
    WHERE p.compare_ids
),
compared_agent_jobs AS (
    SELECT agent_name, job_id
    FROM score_summary_jobs
    WHERE agent_name IN (
        SELECT agent_name FROM reconciliation_suspects WHERE level = 'agent' AND compare_ids
    )
),
job_id_sides AS (
    SELECT pair_id, job_id, bool_or(in_api) AS in_api, bool_or(NOT in_api) AS in_warehouse
    FROM (
        SELECT pair_id, job_id, true AS in_api
        FROM api_job_ids
        UNION ALL
        SELECT p.pair_id, j.job_id, false
        FROM pairs AS p
        JOIN compared_agent_jobs AS j ON j.agent_name = p.agent_name
        WHERE p.level = 'agent' AND p.compare_ids
        UNION ALL
        SELECT p.pair_id, j.job_id, false
        FROM pairs AS p
        JOIN session_jobs AS j
            ON j.agent_name = p.agent_name
            AND j.session_id = p.session_id
            AND (p.level = 'session' OR j.turn IS NOT DISTINCT FROM p.turn)
        WHERE p.level <> 'agent' AND p.compare_ids
    )
    GROUP BY pair_id, job_id
),
job_id_diffs AS (
    SELECT
        pair_id,
        count(*) FILTER (WHERE NOT in_warehouse) AS only_in_api,
        count(*) FILTER (WHERE NOT in_api) AS only_in_warehouse
    FROM job_id_sides
    GROUP BY pair_id
),
-- Maps hold one entry per module, a handful, so they are compared key by key in place.
compared AS (
    SELECT
        p.*,
        abs(p.api_aggregate_score - p.recomputed_aggregate_score) AS aggregate_score_diff,
        list_sort([k FOR k IN map_keys(p.api_module_scores)
                   IF NOT map_contains(p.wh_module_scores, k)]) AS modules_only_in_api,
        list_sort([k FOR k IN map_keys(p.wh_module_scores)
                   IF NOT map_contains(p.api_module_scores, k)]) AS modules_only_in_warehouse,
        -- Over the modules both sides have; NULL when they share none.
        list_max([abs(p.api_module_scores[k] - p.wh_module_scores[k])
                  FOR k IN map_keys(p.api_module_scores)
                  IF map_contains(p.wh_module_scores, k)]) AS module_scores_max_diff,
        -- A module one side lacks counts 0 jobs there; NULL when neither side has a module.
        list_max([abs(coalesce(p.api_n_jobs[k], 0) - coalesce(p.wh_n_jobs[k], 0))
                  FOR k IN list_distinct(map_keys(p.api_n_jobs) || map_keys(p.wh_n_jobs))])
            AS n_jobs_per_module_max_diff,
        NOT (list_has_all(map_keys(p.api_n_jobs), map_keys(p.wh_n_jobs))
             AND list_has_all(map_keys(p.wh_n_jobs), map_keys(p.api_n_jobs)))
            AS n_jobs_modules_differ,
        coalesce(d.only_in_api, 0) AS job_ids_only_in_api,
        coalesce(d.only_in_warehouse, 0) AS job_ids_only_in_warehouse
    FROM pairs AS p
    LEFT JOIN job_id_diffs AS d ON d.pair_id = p.pair_id
),
flagged AS (
    SELECT
        *,
        list_filter(
            [
                CASE WHEN api_status IS DISTINCT FROM recomputed_status THEN 'status' END,
                CASE
                    WHEN scores_differ(
                        api_aggregate_score, recomputed_aggregate_score, $tolerance
                    )
                        THEN 'aggregate_score'
                END,
                CASE
                    WHEN len(modules_only_in_api) > 0
                        OR len(modules_only_in_warehouse) > 0
                        OR coalesce(module_scores_max_diff, 0) > $tolerance
                        THEN 'module_scores'
                END,
                CASE
                    WHEN n_jobs_modules_differ OR coalesce(n_jobs_per_module_max_diff, 0) <> 0
                        THEN 'n_jobs_per_module'
                END,
                CASE
                    WHEN job_ids_only_in_api > 0 OR job_ids_only_in_warehouse > 0
                        THEN 'job_ids'
                END
            ],
            lambda f: f IS NOT NULL
        )::VARCHAR[] AS mismatched_fields
    FROM compared
)
SELECT
    level,
    agent_name,
    session_id,
    turn,
    false AS matches,
    mismatched_fields,
    api_status,
    recomputed_status,
    api_aggregate_score,
    recomputed_aggregate_score,
    aggregate_score_diff,
    module_scores_max_diff,
    modules_only_in_api,
    modules_only_in_warehouse,
    n_jobs_per_module_max_diff,
    job_ids_only_in_api,
    job_ids_only_in_warehouse,
    $reconciled_at::TIMESTAMPTZ AS reconciled_at
FROM flagged
WHERE len(mismatched_fields) > 0;

-- Compared: every API row of a level, and the summaries only the warehouse has (turns of the
-- fetched sessions), all of them suspects. All three levels, zeros included.
INSERT INTO summary_reconciliation_totals (level, compared, mismatched, reconciled_at)
SELECT
    l.level,
    l.api_rows + (
        SELECT count(*)
        FROM reconciliation_suspects AS s
        WHERE s.level = l.level AND s.api_row IS NULL
    ),
    (SELECT count(*) FROM summary_reconciliation AS r WHERE r.level = l.level),
    $reconciled_at::TIMESTAMPTZ
FROM (
    VALUES
        ('agent', (SELECT count(*) FROM api_agent_summaries)),
        ('session', (SELECT count(*) FROM api_session_summaries)),
        ('turn', (SELECT count(*) FROM api_turn_summaries))
) AS l(level, api_rows);

DROP TABLE reconciliation_suspects;
