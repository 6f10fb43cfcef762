-- Synthetic scoring jobs for the summary benchmark, generated set-based: $jobs jobs spread evenly
-- over $sessions sessions (a session's jobs are consecutive numbers) of $agents agents.
--
-- Per session: turns 1, 1, 2, 2, 3, ... with one module per job of a turn (a turn is scored once
-- per module), a third of the sessions scoring their last job on the session as a whole (NULL
-- turn). Judge modules score integers 0-10, statistical ones 0-1; every status occurs, some
-- completed jobs have no score, a few jobs have no session, an unknown module or are gone.
-- Stored grouped by session, in the order the real load writes them.
INSERT INTO scoring_jobs BY NAME
WITH numbered AS (
    SELECT
        i,
        i * $sessions // $jobs AS s,
        i - ((i * $sessions // $jobs) * $jobs + $sessions - 1) // $sessions AS p,
        hash(i, 'draw') AS draw
    FROM range($jobs) AS t(i)
),
drawn AS (
    SELECT
        i,
        s,
        p,
        draw,
        CASE
            WHEN draw // 10000000 % 1000 = 0 THEN 'unheard_of'
            ELSE ['correctness', 'coherence', 'faithfulness', 'observed_consistency',
                  'data_grounding'][(p + s) % 5 + 1]
        END AS module,
        CASE
            WHEN draw % 100 < 80 THEN 'completed'
            WHEN draw % 100 < 85 THEN 'failed'
            WHEN draw % 100 < 90 THEN 'not_run'
            WHEN draw % 100 < 95 THEN 'submitted'
            ELSE 'in_progress'
        END AS status,
        md5(s::VARCHAR) AS session_hex,
        md5(i::VARCHAR) AS job_hex
    FROM numbered
)
SELECT
    concat_ws('-', job_hex[1:8], job_hex[9:12], job_hex[13:16], job_hex[17:20], job_hex[21:32])
        AS job_id,
    module,
    status,
    CASE
        WHEN status <> 'completed' OR draw // 100 % 50 = 0 THEN NULL
        WHEN module IN ('observed_consistency', 'data_grounding')
            THEN (draw // 1000 % 1000001) / 1000000
        ELSE (draw // 1000 % 11)::DOUBLE
    END AS score,
    CASE WHEN status IN ('completed', 'failed') THEN 'synthetic explanation' END AS explanation,
    'customer-bench' AS customer_id,
    'project-bench' AS project_id,
    format('agent-{:03d}', s % $agents) AS agent_name,
    'v1' AS agent_version,
    CASE
        WHEN draw // 100000 % 2000 <> 0
            THEN concat_ws('-', session_hex[1:8], session_hex[9:12], session_hex[13:16],
                           session_hex[17:20], session_hex[21:32])
    END AS agent_session_id,
    CASE
        WHEN draw // 100000 % 2000 = 0 THEN NULL
        WHEN p = 4 AND s % 3 = 0 THEN NULL
        ELSE p // 2 + 1
    END AS agent_turn,
    module_scales.scale,
    $seen_at::TIMESTAMPTZ AS first_seen_at,
    $seen_at::TIMESTAMPTZ AS last_seen_at,
    CASE WHEN draw // 1000000000 % 100000 = 0 THEN $seen_at::TIMESTAMPTZ END AS gone_at
FROM drawn
LEFT JOIN module_scales USING (module)
ORDER BY agent_name, agent_session_id, agent_turn;
