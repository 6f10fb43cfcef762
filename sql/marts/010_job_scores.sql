-- The marts: the views analysts and BI tools query, one question-shaped grain each. Every one
-- derives from `job_scores` below, so that a rule (which jobs count, how a score is
-- normalised, which day a job belongs to) is decided once. Each column is described in
-- sql/schema/900_comments.sql, which apply_schema runs after this folder.
--
-- Executed as one script on every connect; every statement is idempotent.

-- A rate over the settled jobs of a group: NULL, not 0, when none has settled yet.
CREATE OR REPLACE MACRO mart_rate(part, settled) AS
    CASE WHEN settled > 0 THEN CAST(part AS DOUBLE) / settled END;

-- A score mapped onto 0–1 by its module's scale, so judge (0–10) and statistical (0–1)
-- modules can be compared and averaged together. Unknown modules have no scale: NULL.
CREATE OR REPLACE MACRO normalized_score(score, min_score, max_score) AS
    (score - min_score) / nullif(max_score - min_score, 0);

-- Days are UTC days whatever the connection's TimeZone, so that a date partition or a daily
-- row means the same on every machine.
CREATE OR REPLACE MACRO utc_date(ts) AS CAST(timezone('UTC', ts) AS DATE);

-- Monday of the (ISO) week of a date.
CREATE OR REPLACE MACRO week_start(d) AS CAST(date_trunc('week', d) AS DATE);

-- Statuses after which a job no longer changes, as the sync's settled_at reads them: a status
-- the API adds later counts as pending.
CREATE OR REPLACE MACRO job_is_settled(status) AS status IN ('completed', 'failed', 'not_run');

-- One row per scoring job still in the API (gone ones are left out), with everything the other
-- marts slice by.
CREATE OR REPLACE VIEW job_scores AS
WITH
-- The sync at which each agent was first seen.
agent_history AS (
    SELECT name AS agent_name, min(first_seen_at) AS first_synced_at
    FROM agents
    GROUP BY name
),
-- From the job's history: when a sync first saw it settled, and whether an earlier sync saw it
-- unsettled. Jobs carry no timestamps, so a settle time is known only to within one sync.
settlement AS (
    SELECT
        job_id,
        min(valid_from) AS history_from,
        min(valid_from) FILTER (WHERE NOT job_is_settled(status)) AS pending_from,
        min(valid_from) FILTER (WHERE job_is_settled(status)) AS settled_seen_at
    FROM scoring_job_history
    GROUP BY job_id
)
SELECT
    j.job_id,
    j.agent_name,
    coalesce(j.agent_version, s.agent_version) AS agent_version,
    j.agent_session_id AS session_id,
    j.agent_turn AS turn,
    j.module,
    j.scale,
    j.status,
    job_is_settled(j.status) AS is_settled,
    job_is_scored(j.status, j.score) AS is_scored,
    j.score,
    CASE
        WHEN job_is_scored(j.status, j.score)
            THEN CAST(normalized_score(j.score, m.min_score, m.max_score) AS DOUBLE)
    END AS score_normalized,
    j.tool_id,
    j.agent_workflow_name AS workflow_name,
    j.agent_workflow_version AS workflow_version,
    s.status AS session_status,
    s.start_time AS session_start_time,
    s.end_time AS session_end_time,
    -- A job has no timestamp of its own in the API: it belongs to its session's day, or, for a
    -- session we do not hold, to the day we first saw it.
    utc_date(coalesce(s.start_time, j.first_seen_at)) AS score_date,
    j.first_seen_at,
    j.last_seen_at,
    t.settled_seen_at,
    -- An upper bound, tight to one sync interval, when an earlier sync bounds it from below:
    -- one that saw the job pending, or (a job first seen settled, with history from its first
    -- sighting) one that read the agent before the job existed. A backfill's jobs get NULL.
    CASE
        WHEN job_is_settled(j.status)
            AND (t.pending_from < t.settled_seen_at
                OR (t.history_from = j.first_seen_at AND j.first_seen_at > h.first_synced_at))
            THEN CAST(epoch(t.settled_seen_at) - epoch(s.end_time) AS DOUBLE)
    END AS settle_latency_seconds,
    CASE
        WHEN NOT job_is_settled(j.status) AND s.end_time IS NOT NULL
            THEN CAST(greatest(epoch(j.last_seen_at) - epoch(s.end_time), 0) AS DOUBLE)
    END AS pending_after_end_seconds
FROM scoring_jobs AS j
LEFT JOIN sessions AS s ON s.session_id = j.agent_session_id
LEFT JOIN module_scales AS m ON m.module = j.module
LEFT JOIN agent_history AS h ON h.agent_name = j.agent_name
LEFT JOIN settlement AS t ON t.job_id = j.job_id
WHERE j.gone_at IS NULL;
