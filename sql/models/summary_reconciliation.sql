-- Compares every summary the API returned with the one recomputed from the warehouse's jobs
-- (the views of sql/views/score_summaries.sql), one row per compared summary:
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
INSERT INTO summary_reconciliation (
    level, agent_name, session_id, turn, matches, mismatched_fields,
    api_status, recomputed_status, api_aggregate_score, recomputed_aggregate_score,
    aggregate_score_diff, module_scores_max_diff, modules_only_in_api, modules_only_in_warehouse,
    n_jobs_per_module_max_diff, job_ids_only_in_api, job_ids_only_in_warehouse, reconciled_at
)
WITH
api AS (
    SELECT
        'agent' AS level, agent_name, NULL::VARCHAR AS session_id, NULL::BIGINT AS turn,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM api_agent_summaries
    UNION ALL
    SELECT
        'session', agent_name, session_id, NULL,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM api_session_summaries
    UNION ALL
    SELECT
        'turn', agent_name, session_id, turn,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM api_turn_summaries
),
-- A turn row without its session row is not expected, but its session's recomputed turns are
-- then still compared rather than the API turns all reported as unmatched.
fetched_sessions AS (
    SELECT agent_name, session_id FROM api_session_summaries
    UNION
    SELECT agent_name, session_id FROM api_turn_summaries
),
-- Only what is compared is recomputed: the jobs are narrowed to the fetched agents and sessions
-- before the summary macros (the views' own definition) aggregate them, since a semi join above
-- an aggregation is not pushed below it. Each macro reads its jobs twice: the agents' jobs,
-- usually the whole table, are filtered twice rather than copied; the sessions' jobs, usually
-- few, are filtered once and kept.
agent_jobs AS NOT MATERIALIZED (
    SELECT *
    FROM score_summary_jobs
    WHERE agent_name IN (SELECT agent_name FROM api_agent_summaries)
),
session_jobs AS MATERIALIZED (
    SELECT *
    FROM score_summary_jobs
    WHERE (agent_name, session_id) IN (SELECT agent_name, session_id FROM fetched_sessions)
),
recomputed AS (
    SELECT
        'agent' AS level, agent_name, NULL::VARCHAR AS session_id, NULL::BIGINT AS turn,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM agent_summaries_of('agent_jobs')
    UNION ALL
    SELECT
        'session', agent_name, session_id, NULL,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM session_summaries_of('session_jobs')
    WHERE (agent_name, session_id) IN (SELECT agent_name, session_id FROM api_session_summaries)
    UNION ALL
    SELECT
        'turn', agent_name, session_id, turn,
        status, aggregate_score, module_scores, n_jobs_per_module, job_ids
    FROM turn_summaries_of('session_jobs')
),
pairs AS MATERIALIZED (
    SELECT
        row_number() OVER () AS pair_id,
        coalesce(a.level, r.level) AS level,
        coalesce(a.agent_name, r.agent_name) AS agent_name,
        coalesce(a.session_id, r.session_id) AS session_id,
        coalesce(a.turn, r.turn) AS turn,
        a.status AS api_status,
        r.status AS recomputed_status,
        a.aggregate_score AS api_aggregate_score,
        r.aggregate_score AS recomputed_aggregate_score,
        coalesce(a.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS api_module_scores,
        coalesce(r.module_scores, MAP {}::MAP(VARCHAR, DOUBLE)) AS wh_module_scores,
        coalesce(a.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS api_n_jobs,
        coalesce(r.n_jobs_per_module, MAP {}::MAP(VARCHAR, BIGINT)) AS wh_n_jobs,
        coalesce(a.job_ids, []::VARCHAR[]) AS api_job_ids,
        coalesce(r.job_ids, []::VARCHAR[]) AS wh_job_ids
    FROM api AS a
    FULL OUTER JOIN recomputed AS r
        ON a.level = r.level
        AND a.agent_name = r.agent_name
        AND a.session_id IS NOT DISTINCT FROM r.session_id
        AND a.turn IS NOT DISTINCT FROM r.turn
),
-- job_ids compare as sets. An agent's lists hold hundreds of thousands of ids, so they are
-- unnested and matched by one hash aggregation on (pair, id), linear in the ids; lists equal
-- element for element (the usual case, if the API keeps an order) skip it.
job_id_sides AS (
    SELECT pair_id, job_id, bool_or(in_api) AS in_api, bool_or(NOT in_api) AS in_warehouse
    FROM (
        SELECT pair_id, unnest(api_job_ids) AS job_id, true AS in_api
        FROM pairs
        WHERE api_job_ids <> wh_job_ids
        UNION ALL
        SELECT pair_id, unnest(wh_job_ids) AS job_id, false AS in_api
        FROM pairs
        WHERE api_job_ids <> wh_job_ids
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
