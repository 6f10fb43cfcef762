-- Compares every summary the API returned with the one recomputed from the warehouse's jobs, by
-- the rules of sql/views/score_summaries.sql, one row per compared summary:
--   agent   every row of api_agent_summaries;
--   session every row of api_session_summaries;
--   turn    per fetched session, its api_turn_summaries rows fully outer-joined with the turns
--           recomputed for it, so that a turn only one side has is a mismatch.
-- A summary missing on one side compares as the all-null summary, and NULL compares equal to an
-- empty map or list, since the API returns either for a summary of no jobs.
--
-- Parameters (bound, never formatted in):
--   $tolerance      largest absolute difference between two scores that still matches;
--   $reconciled_at  the TIMESTAMPTZ stamped on every row.
-- Run after summary_reconciliation_clear.sql, in the same transaction.
--
-- Shape, chosen by measurement at 5M jobs (benchmarks/summaries.py): the views build every
-- summary's job_ids list, and building every summary's two maps and comparing them key by key
-- cost most of what was left, so the comparison uses neither. Each side's job ids are reduced to
-- a count and a bit_xor of their hashes; only the summaries whose counts or fingerprints differ
-- (the few mismatches) have their ids compared id by id. The maps are reduced the same way, to
-- an entry count and a bit_xor of the entries' hashes, so that maps with the same entries in any
-- order compare equal as integers; only the summaries where they differ (or hold a score whose
-- difference to itself is not 0) get both maps built and compared key by key, as exactly as
-- before. Each level aggregates the jobs per (its keys, module) and folds those rows: rolling the
-- session level up from the (turn, module) rows measured slower than scanning again.
INSERT INTO summary_reconciliation (
    level, agent_name, session_id, turn, matches, mismatched_fields,
    api_status, recomputed_status, api_aggregate_score, recomputed_aggregate_score,
    aggregate_score_diff, module_scores_max_diff, modules_only_in_api, modules_only_in_warehouse,
    n_jobs_per_module_max_diff, job_ids_only_in_api, job_ids_only_in_warehouse, reconciled_at
)
WITH
-- A turn row without its session row is not expected, but its session's recomputed turns are
-- then still compared rather than the API turns all reported as unmatched.
fetched_sessions AS (
    SELECT agent_name, session_id FROM api_session_summaries
    UNION ALL
    SELECT DISTINCT agent_name, session_id
    FROM api_turn_summaries
    ANTI JOIN api_session_summaries USING (agent_name, session_id)
),
-- Only what is compared is recomputed: the jobs are narrowed to the fetched sessions before
-- they are aggregated, since a semi join above an aggregation is not pushed below it.
turn_modules AS (
    SELECT
        agent_name,
        session_id,
        turn,
        module,
        max(job_status_rank(status)) AS status_rank,
        count(*) FILTER (WHERE job_is_scored(status, score)) AS n_scored,
        sum(score) FILTER (WHERE job_is_scored(status, score)) AS score_sum,
        count(*) AS n_ids,
        bit_xor(hash(job_id)) AS ids_xor
    FROM score_summary_jobs
    WHERE session_id IS NOT NULL
        AND (agent_name, session_id) IN (SELECT agent_name, session_id FROM fetched_sessions)
    GROUP BY agent_name, session_id, turn, module
),
session_modules AS (
    SELECT
        agent_name,
        session_id,
        module,
        max(job_status_rank(status)) AS status_rank,
        count(*) FILTER (WHERE job_is_scored(status, score)) AS n_scored,
        sum(score) FILTER (WHERE job_is_scored(status, score)) AS score_sum,
        count(*) AS n_ids,
        bit_xor(hash(job_id)) AS ids_xor
    FROM score_summary_jobs
    WHERE session_id IS NOT NULL
        AND (agent_name, session_id) IN (SELECT agent_name, session_id FROM api_session_summaries)
    GROUP BY agent_name, session_id, module
),
agent_modules AS (
    SELECT
        agent_name,
        module,
        max(job_status_rank(status)) AS status_rank,
        count(*) FILTER (WHERE job_is_scored(status, score)) AS n_scored,
        sum(score) FILTER (WHERE job_is_scored(status, score)) AS score_sum,
        count(*) AS n_ids,
        bit_xor(hash(job_id)) AS ids_xor
    FROM score_summary_jobs
    WHERE agent_name IN (SELECT agent_name FROM api_agent_summaries)
    GROUP BY agent_name, module
),
-- Each level folded as the views fold it, with job ids as (count, fingerprint) and the maps,
-- whose entries are the modules with a scored job, as (count, fingerprint). A NaN or infinite
-- score differs from itself by NaN, which only the key by key comparison gives.
recomputed_agents AS (
    SELECT
        agent_name,
        summary_status(max(status_rank)) AS status,
        summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
        count(*) FILTER (WHERE n_scored > 0) AS n_modules,
        bit_xor(hash(module, summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_xor,
        bit_xor(hash(module, n_scored)) FILTER (WHERE n_scored > 0) AS n_jobs_xor,
        bool_and(isfinite(summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_finite,
        sum(n_ids)::BIGINT AS n_ids,
        bit_xor(ids_xor) AS ids_xor
    FROM agent_modules
    GROUP BY agent_name
),
recomputed_sessions AS (
    SELECT
        agent_name,
        session_id,
        summary_status(max(status_rank)) AS status,
        summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
        count(*) FILTER (WHERE n_scored > 0) AS n_modules,
        bit_xor(hash(module, summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_xor,
        bit_xor(hash(module, n_scored)) FILTER (WHERE n_scored > 0) AS n_jobs_xor,
        bool_and(isfinite(summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_finite,
        sum(n_ids)::BIGINT AS n_ids,
        bit_xor(ids_xor) AS ids_xor
    FROM session_modules
    GROUP BY agent_name, session_id
),
recomputed_turns AS (
    SELECT
        agent_name,
        session_id,
        turn,
        summary_status(max(status_rank)) AS status,
        summary_mean(sum(score_sum), sum(n_scored)) AS aggregate_score,
        count(*) FILTER (WHERE n_scored > 0) AS n_modules,
        bit_xor(hash(module, summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_xor,
        bit_xor(hash(module, n_scored)) FILTER (WHERE n_scored > 0) AS n_jobs_xor,
        bool_and(isfinite(summary_mean(score_sum, n_scored))) FILTER (WHERE n_scored > 0)
            AS scores_finite,
        sum(n_ids)::BIGINT AS n_ids,
        bit_xor(ids_xor) AS ids_xor
    FROM turn_modules
    GROUP BY agent_name, session_id, turn
),
-- The API's job ids and maps reduced the same way; its lists and maps stay behind, reached by
-- rowid if needed. A missing map and an empty one both reduce to (0, 0).
pairs AS MATERIALIZED (
    SELECT
        'agent' AS level,
        coalesce(a.agent_name, r.agent_name) AS agent_name,
        NULL::VARCHAR AS session_id,
        NULL::BIGINT AS turn,
        a.rowid AS api_row,
        a.status AS api_status,
        r.status AS recomputed_status,
        a.aggregate_score AS api_aggregate_score,
        r.aggregate_score AS recomputed_aggregate_score,
        coalesce(r.n_modules, 0) AS wh_n_modules,
        coalesce(cardinality(a.module_scores), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.module_scores), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.scores_xor, 0)
            AND coalesce(r.scores_finite, true) AS scores_equal,
        coalesce(cardinality(a.n_jobs_per_module), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.n_jobs_per_module), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.n_jobs_xor, 0) AS n_jobs_equal,
        coalesce(len(a.job_ids), 0) AS api_n_ids,
        coalesce(list_bit_xor([hash(i) FOR i IN a.job_ids]), 0) AS api_ids_xor,
        coalesce(r.n_ids, 0) AS wh_n_ids,
        coalesce(r.ids_xor, 0) AS wh_ids_xor
    FROM api_agent_summaries AS a
    FULL OUTER JOIN recomputed_agents AS r ON r.agent_name = a.agent_name
    UNION ALL
    SELECT
        'session', coalesce(a.agent_name, r.agent_name), coalesce(a.session_id, r.session_id),
        NULL, a.rowid, a.status, r.status, a.aggregate_score, r.aggregate_score,
        coalesce(r.n_modules, 0),
        coalesce(cardinality(a.module_scores), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.module_scores), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.scores_xor, 0)
            AND coalesce(r.scores_finite, true),
        coalesce(cardinality(a.n_jobs_per_module), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.n_jobs_per_module), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.n_jobs_xor, 0),
        coalesce(len(a.job_ids), 0), coalesce(list_bit_xor([hash(i) FOR i IN a.job_ids]), 0),
        coalesce(r.n_ids, 0), coalesce(r.ids_xor, 0)
    FROM api_session_summaries AS a
    FULL OUTER JOIN recomputed_sessions AS r
        ON r.agent_name = a.agent_name AND r.session_id = a.session_id
    UNION ALL
    SELECT
        'turn', coalesce(a.agent_name, r.agent_name), coalesce(a.session_id, r.session_id),
        coalesce(a.turn, r.turn), a.rowid, a.status, r.status, a.aggregate_score,
        r.aggregate_score, coalesce(r.n_modules, 0),
        coalesce(cardinality(a.module_scores), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.module_scores), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.scores_xor, 0)
            AND coalesce(r.scores_finite, true),
        coalesce(cardinality(a.n_jobs_per_module), 0) = coalesce(r.n_modules, 0)
            AND coalesce(
                list_bit_xor(list_transform(
                    map_entries(a.n_jobs_per_module), lambda e: hash(e.key, e.value)
                )), 0
            ) = coalesce(r.n_jobs_xor, 0),
        coalesce(len(a.job_ids), 0), coalesce(list_bit_xor([hash(i) FOR i IN a.job_ids]), 0),
        coalesce(r.n_ids, 0), coalesce(r.ids_xor, 0)
    FROM api_turn_summaries AS a
    FULL OUTER JOIN recomputed_turns AS r
        ON r.agent_name = a.agent_name
        AND r.session_id = a.session_id
        AND r.turn IS NOT DISTINCT FROM a.turn
),
-- The summaries whose job ids may differ: their ids are matched one by one, the API's unnested
-- from its row, the warehouse's read from the jobs of that summary.
id_suspects AS MATERIALIZED (
    SELECT level, agent_name, session_id, turn, api_row
    FROM pairs
    WHERE api_n_ids <> wh_n_ids OR api_ids_xor <> wh_ids_xor
),
suspect_ids AS (
    SELECT s.*, unnest(a.job_ids) AS job_id, true AS in_api
    FROM id_suspects AS s
    JOIN api_agent_summaries AS a ON a.rowid = s.api_row AND s.level = 'agent'
    UNION ALL
    SELECT s.*, unnest(a.job_ids), true
    FROM id_suspects AS s
    JOIN api_session_summaries AS a ON a.rowid = s.api_row AND s.level = 'session'
    UNION ALL
    SELECT s.*, unnest(a.job_ids), true
    FROM id_suspects AS s
    JOIN api_turn_summaries AS a ON a.rowid = s.api_row AND s.level = 'turn'
    UNION ALL
    SELECT s.*, j.job_id, false
    FROM id_suspects AS s
    JOIN score_summary_jobs AS j ON j.agent_name = s.agent_name AND s.level = 'agent'
    UNION ALL
    SELECT s.*, j.job_id, false
    FROM id_suspects AS s
    JOIN score_summary_jobs AS j
        ON j.agent_name = s.agent_name AND j.session_id = s.session_id AND s.level = 'session'
    UNION ALL
    SELECT s.*, j.job_id, false
    FROM id_suspects AS s
    JOIN score_summary_jobs AS j
        ON j.agent_name = s.agent_name
        AND j.session_id = s.session_id
        AND j.turn IS NOT DISTINCT FROM s.turn
        AND s.level = 'turn'
),
job_id_sides AS (
    SELECT
        level, agent_name, session_id, turn, api_row, job_id,
        bool_or(in_api) AS in_api,
        bool_or(NOT in_api) AS in_warehouse
    FROM suspect_ids
    GROUP BY ALL
),
job_id_diffs AS (
    SELECT
        level, agent_name, session_id, turn, api_row,
        count(*) FILTER (WHERE NOT in_warehouse) AS only_in_api,
        count(*) FILTER (WHERE NOT in_api) AS only_in_warehouse
    FROM job_id_sides
    GROUP BY ALL
),
-- The summaries whose maps may differ: both maps built as the views build them, the API's read
-- from its row, the warehouse's from the jobs of that summary, and compared key by key.
map_suspects AS MATERIALIZED (
    SELECT level, agent_name, session_id, turn, api_row
    FROM pairs
    WHERE NOT (scores_equal AND n_jobs_equal)
),
suspect_modules AS (
    SELECT
        s.level, s.agent_name, s.session_id, s.turn, s.api_row, j.module,
        count(*) FILTER (WHERE job_is_scored(j.status, j.score)) AS n_scored,
        sum(j.score) FILTER (WHERE job_is_scored(j.status, j.score)) AS score_sum
    FROM map_suspects AS s
    JOIN score_summary_jobs AS j
        ON j.agent_name = s.agent_name
        AND (s.level = 'agent'
             OR (j.session_id = s.session_id
                 AND (s.level = 'session' OR j.turn IS NOT DISTINCT FROM s.turn)))
    GROUP BY ALL
),
suspect_recomputed AS (
    SELECT
        level, agent_name, session_id, turn, api_row,
        summary_module_scores(module, n_scored, score_sum) AS module_scores,
        summary_n_jobs_per_module(module, n_scored) AS n_jobs_per_module
    FROM suspect_modules
    GROUP BY ALL
),
suspect_api AS (
    SELECT s.*, a.module_scores, a.n_jobs_per_module
    FROM map_suspects AS s
    JOIN api_agent_summaries AS a ON a.rowid = s.api_row AND s.level = 'agent'
    UNION ALL
    SELECT s.*, a.module_scores, a.n_jobs_per_module
    FROM map_suspects AS s
    JOIN api_session_summaries AS a ON a.rowid = s.api_row AND s.level = 'session'
    UNION ALL
    SELECT s.*, a.module_scores, a.n_jobs_per_module
    FROM map_suspects AS s
    JOIN api_turn_summaries AS a ON a.rowid = s.api_row AND s.level = 'turn'
),
-- Maps hold one entry per module, a handful, so they are compared key by key in place.
suspect_maps AS (
    SELECT
        s.*,
        coalesce(a.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS api_module_scores,
        coalesce(r.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS wh_module_scores,
        coalesce(a.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS api_n_jobs,
        coalesce(r.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS wh_n_jobs
    FROM map_suspects AS s
    LEFT JOIN suspect_api AS a
        ON a.level = s.level
        AND a.agent_name = s.agent_name
        AND a.session_id IS NOT DISTINCT FROM s.session_id
        AND a.turn IS NOT DISTINCT FROM s.turn
        AND a.api_row IS NOT DISTINCT FROM s.api_row
    LEFT JOIN suspect_recomputed AS r
        ON r.level = s.level
        AND r.agent_name = s.agent_name
        AND r.session_id IS NOT DISTINCT FROM s.session_id
        AND r.turn IS NOT DISTINCT FROM s.turn
        AND r.api_row IS NOT DISTINCT FROM s.api_row
),
map_diffs AS (
    SELECT
        level, agent_name, session_id, turn, api_row,
        list_sort([k FOR k IN map_keys(api_module_scores)
                   IF NOT map_contains(wh_module_scores, k)]) AS modules_only_in_api,
        list_sort([k FOR k IN map_keys(wh_module_scores)
                   IF NOT map_contains(api_module_scores, k)]) AS modules_only_in_warehouse,
        -- Over the modules both sides have; NULL when they share none.
        list_max([abs(api_module_scores[k] - wh_module_scores[k])
                  FOR k IN map_keys(api_module_scores)
                  IF map_contains(wh_module_scores, k)]) AS module_scores_max_diff,
        -- A module one side lacks counts 0 jobs there; NULL when neither side has a module.
        list_max([abs(coalesce(api_n_jobs[k], 0) - coalesce(wh_n_jobs[k], 0))
                  FOR k IN list_distinct(map_keys(api_n_jobs) || map_keys(wh_n_jobs))])
            AS n_jobs_per_module_max_diff,
        NOT (list_has_all(map_keys(api_n_jobs), map_keys(wh_n_jobs))
             AND list_has_all(map_keys(wh_n_jobs), map_keys(api_n_jobs)))
            AS n_jobs_modules_differ
    FROM suspect_maps
),
-- Equal maps share all their keys, each with a difference of exactly 0.
compared AS (
    SELECT
        p.*,
        abs(p.api_aggregate_score - p.recomputed_aggregate_score) AS aggregate_score_diff,
        coalesce(m.modules_only_in_api, []::VARCHAR[]) AS modules_only_in_api,
        coalesce(m.modules_only_in_warehouse, []::VARCHAR[]) AS modules_only_in_warehouse,
        CASE
            WHEN m.level IS NOT NULL THEN m.module_scores_max_diff
            WHEN p.wh_n_modules > 0 THEN 0.0::DOUBLE
        END AS module_scores_max_diff,
        CASE
            WHEN m.level IS NOT NULL THEN m.n_jobs_per_module_max_diff
            WHEN p.wh_n_modules > 0 THEN 0::BIGINT
        END AS n_jobs_per_module_max_diff,
        coalesce(m.n_jobs_modules_differ, false) AS n_jobs_modules_differ,
        coalesce(d.only_in_api, 0) AS job_ids_only_in_api,
        coalesce(d.only_in_warehouse, 0) AS job_ids_only_in_warehouse
    FROM pairs AS p
    LEFT JOIN map_diffs AS m
        ON m.level = p.level
        AND m.agent_name = p.agent_name
        AND m.session_id IS NOT DISTINCT FROM p.session_id
        AND m.turn IS NOT DISTINCT FROM p.turn
        AND m.api_row IS NOT DISTINCT FROM p.api_row
    LEFT JOIN job_id_diffs AS d
        ON d.level = p.level
        AND d.agent_name = p.agent_name
        AND d.session_id IS NOT DISTINCT FROM p.session_id
        AND d.turn IS NOT DISTINCT FROM p.turn
        AND d.api_row IS NOT DISTINCT FROM p.api_row
),
flagged AS (
    SELECT
        *,
        list_filter(
            [
                CASE WHEN api_status IS DISTINCT FROM recomputed_status THEN 'status' END,
                CASE
                    WHEN api_aggregate_score IS NULL AND recomputed_aggregate_score IS NULL
                        THEN NULL
                    -- NULL only on one side, or NaN on either (NaN sorts above any tolerance).
                    WHEN aggregate_score_diff IS NULL OR aggregate_score_diff > $tolerance
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
    len(mismatched_fields) = 0 AS matches,
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
FROM flagged;
