-- The warehouse's tables. Applied on every connect, so each statement is idempotent.
-- Every table lives in the file's default schema under the name the README documents.

CREATE TABLE IF NOT EXISTS agents (
    agent_id              VARCHAR PRIMARY KEY,
    name                  VARCHAR NOT NULL,
    display_name          VARCHAR,
    description           VARCHAR,
    version               VARCHAR,
    type                  VARCHAR,
    llm_model             VARCHAR,
    tool_count            INTEGER,
    datasource_count      INTEGER,
    last_execution_status VARCHAR,
    last_execution_time   TIMESTAMPTZ,
    first_seen_at         TIMESTAMPTZ NOT NULL,
    last_seen_at          TIMESTAMPTZ NOT NULL,
    gone_at               TIMESTAMPTZ
);

-- sessions, scoring_jobs and scoring_job_history grow with the whole history, so they declare
-- no PRIMARY KEY: DuckDB keeps a key's index in memory and writes it out at every checkpoint
-- (without them a 1M-job first sync peaked at 836 MB instead of 1,075 MB). The loads keep the
-- keys (sql/loads: update the known rows, insert the others) and the primary_key_unique asset
-- check proves them after every sync.
CREATE TABLE IF NOT EXISTS sessions (
    session_id     VARCHAR NOT NULL,
    agent_id       VARCHAR NOT NULL,
    agent_name     VARCHAR,
    agent_version  VARCHAR,
    status         VARCHAR NOT NULL,
    start_time     TIMESTAMPTZ NOT NULL,
    end_time       TIMESTAMPTZ,
    messages_count INTEGER,
    token_usage    JSON,
    result         JSON,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    -- When a sync first found the session settled: terminal status and every job terminal.
    settled_at     TIMESTAMPTZ,
    -- When a full refresh no longer found it in the API; NULL while it is there.
    gone_at        TIMESTAMPTZ
);

-- Which scale each known scoring module scores on. A module missing here gets a NULL scale
-- on its jobs, and the score-range check names it.
CREATE TABLE IF NOT EXISTS module_scales (
    module    VARCHAR PRIMARY KEY,
    scale     VARCHAR NOT NULL,
    min_score DOUBLE NOT NULL,
    max_score DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS scoring_jobs (
    job_id                    VARCHAR NOT NULL,
    module                    VARCHAR NOT NULL,
    status                    VARCHAR NOT NULL,
    score                     DOUBLE,
    explanation               VARCHAR,
    customer_id               VARCHAR NOT NULL,
    project_id                VARCHAR NOT NULL,
    agent_name                VARCHAR,
    agent_version             VARCHAR,
    agent_session_id          VARCHAR,
    agent_turn                BIGINT,
    agent_workflow_name       VARCHAR,
    agent_workflow_version    VARCHAR,
    agent_workflow_session_id VARCHAR,
    batch_definition_id       VARCHAR,
    batch_execution_id        VARCHAR,
    tool_id                   VARCHAR,
    tool_instance_id          VARCHAR,
    tool_execution_id         VARCHAR,
    scale                     VARCHAR,
    first_seen_at             TIMESTAMPTZ NOT NULL,
    last_seen_at              TIMESTAMPTZ NOT NULL,
    gone_at                   TIMESTAMPTZ
);

-- Every version of every job's outcome (SCD2): a row opens when a sync first sees a job or sees
-- its status, score or explanation change, and closes (valid_to) when the next version opens or
-- the job is gone. Jobs carry no timestamps of their own, so the sync time is the best clock.
CREATE TABLE IF NOT EXISTS scoring_job_history (
    job_id      VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    score       DOUBLE,
    explanation VARCHAR,
    valid_from  TIMESTAMPTZ NOT NULL,
    valid_to    TIMESTAMPTZ
);

-- Records the API returned that fit no schema: kept as they arrived, with where they came from
-- and what is wrong, so one bad record never costs its neighbours and never goes unseen. The
-- same bad record met again is counted, not stored twice.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id        VARCHAR PRIMARY KEY,
    endpoint             VARCHAR NOT NULL,
    request_path         VARCHAR NOT NULL,
    request_params       JSON NOT NULL,
    record_key           VARCHAR,
    position             BIGINT,
    raw_json             VARCHAR NOT NULL,
    error                VARCHAR NOT NULL,
    first_quarantined_at TIMESTAMPTZ NOT NULL,
    last_quarantined_at  TIMESTAMPTZ NOT NULL,
    times_seen           BIGINT NOT NULL
);

-- How far each agent has been read, committed with the data it describes.
CREATE TABLE IF NOT EXISTS sync_state (
    agent_id          VARCHAR PRIMARY KEY,
    -- The newest session start we hold: an incremental sync reads back to it, less a lookback.
    newest_start_time TIMESTAMPTZ,
    last_mode         VARCHAR NOT NULL,
    synced_at         TIMESTAMPTZ NOT NULL
);

-- What the API's summary endpoints returned, field for field, then what the reconciliation keeps
-- of each row so as not to read its lists and maps again at every run. The agent summary load
-- computes an agent's as it stores it (every sync stores them all again); the session and turn
-- loads store their rows with fingerprinted_with NULL, and the next reconciliation computes
-- theirs (sql/models/summary_fingerprints.sql). Anything else that changes a row's fields (or a
-- session's turns) must set fingerprinted_with NULL too.
--
-- An agent summary's job ids are rows of api_agent_summary_job_ids, not a list in its row: every
-- agent's list in one row group made each checkpoint rewrite all of them (2.25 s of a
-- million-job backfill's 2.85 s of commits, growing with the agents), while rows of their own
-- are written once, as row groups of their own, and a sync changes only the ids that changed.
CREATE TABLE IF NOT EXISTS api_agent_summaries (
    agent_name          VARCHAR PRIMARY KEY,
    status              VARCHAR,
    aggregate_score     DOUBLE,
    module_scores       MAP(VARCHAR, DOUBLE),
    n_jobs_per_module   MAP(VARCHAR, BIGINT),
    n_job_ids           BIGINT,
    fetched_at          TIMESTAMPTZ NOT NULL,
    job_ids_fingerprint BIGINT,
    fingerprinted_with  BIGINT
);

-- No PRIMARY KEY, as for the jobs: it grows with the whole history. The load keeps the key
-- (agent_name, job_id).
CREATE TABLE IF NOT EXISTS api_agent_summary_job_ids (
    agent_name VARCHAR NOT NULL,
    job_id     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS api_session_summaries (
    agent_name                   VARCHAR NOT NULL,
    session_id                   VARCHAR NOT NULL,
    status                       VARCHAR,
    aggregate_score              DOUBLE,
    module_scores                MAP(VARCHAR, DOUBLE),
    n_jobs_per_module            MAP(VARCHAR, BIGINT),
    job_ids                      VARCHAR[],
    fetched_at                   TIMESTAMPTZ NOT NULL,
    session_key                  BIGINT,
    turns_consistent             BOOLEAN,
    turns_aggregate_score        DOUBLE,
    turns_module_scores_max_diff DOUBLE,
    fingerprinted_with           BIGINT,
    PRIMARY KEY (agent_name, session_id)
);

-- A session's turns are replaced together with its summary; turn is NULL for the jobs
-- without one, so the key (agent_name, session_id, turn) is kept by the load, not a constraint.
CREATE TABLE IF NOT EXISTS api_turn_summaries (
    agent_name         VARCHAR NOT NULL,
    session_id         VARCHAR NOT NULL,
    turn               BIGINT,
    status             VARCHAR,
    aggregate_score    DOUBLE,
    module_scores      MAP(VARCHAR, DOUBLE),
    n_jobs_per_module  MAP(VARCHAR, BIGINT),
    job_ids            VARCHAR[],
    fetched_at         TIMESTAMPTZ NOT NULL,
    session_key        BIGINT,
    fingerprint        BIGINT,
    module_scores_mean DOUBLE,
    fingerprinted_with BIGINT
);

-- Warehouses created before the fingerprints: the columns are added, and filled by the next
-- reconciliation.
ALTER TABLE api_agent_summaries ADD COLUMN IF NOT EXISTS job_ids_fingerprint BIGINT;
ALTER TABLE api_agent_summaries ADD COLUMN IF NOT EXISTS fingerprinted_with BIGINT;
-- Warehouses that kept an agent summary's job ids as a list in its row: the ids move to their
-- table and the list goes. The union by name gives the scan a job_ids column whether or not
-- the table still has one (NULL once it has not), so these statements stand on every open.
ALTER TABLE api_agent_summaries ADD COLUMN IF NOT EXISTS n_job_ids BIGINT;
CREATE TEMP TABLE agent_summary_lists AS
SELECT agent_name, job_ids
FROM (
    SELECT * FROM api_agent_summaries
    UNION ALL BY NAME
    SELECT NULL::VARCHAR[] AS job_ids WHERE false
)
WHERE job_ids IS NOT NULL;
INSERT INTO api_agent_summary_job_ids
SELECT DISTINCT agent_name, unnest(job_ids) FROM agent_summary_lists;
UPDATE api_agent_summaries AS a
SET n_job_ids = len(l.job_ids)
FROM agent_summary_lists AS l
WHERE a.agent_name = l.agent_name;
DROP TABLE agent_summary_lists;
ALTER TABLE api_agent_summaries DROP COLUMN IF EXISTS job_ids;
ALTER TABLE api_session_summaries ADD COLUMN IF NOT EXISTS session_key BIGINT;
ALTER TABLE api_session_summaries ADD COLUMN IF NOT EXISTS turns_consistent BOOLEAN;
ALTER TABLE api_session_summaries ADD COLUMN IF NOT EXISTS turns_aggregate_score DOUBLE;
ALTER TABLE api_session_summaries ADD COLUMN IF NOT EXISTS turns_module_scores_max_diff DOUBLE;
ALTER TABLE api_session_summaries ADD COLUMN IF NOT EXISTS fingerprinted_with BIGINT;
ALTER TABLE api_turn_summaries ADD COLUMN IF NOT EXISTS session_key BIGINT;
ALTER TABLE api_turn_summaries ADD COLUMN IF NOT EXISTS fingerprint BIGINT;
ALTER TABLE api_turn_summaries ADD COLUMN IF NOT EXISTS module_scores_mean DOUBLE;
ALTER TABLE api_turn_summaries ADD COLUMN IF NOT EXISTS fingerprinted_with BIGINT;

-- One row per summary (agent, session or turn) that does not match the API's, rebuilt after
-- every sync together with summary_reconciliation_totals. A summary that matches equals the
-- API's row within the tolerance: it is counted there, not stored, since at millions of
-- summaries storing the matches cost more than comparing them.
CREATE TABLE IF NOT EXISTS summary_reconciliation (
    level                      VARCHAR NOT NULL,
    agent_name                 VARCHAR NOT NULL,
    session_id                 VARCHAR,
    turn                       BIGINT,
    matches                    BOOLEAN NOT NULL,
    mismatched_fields          VARCHAR[] NOT NULL,
    api_status                 VARCHAR,
    recomputed_status          VARCHAR,
    api_aggregate_score        DOUBLE,
    recomputed_aggregate_score DOUBLE,
    aggregate_score_diff       DOUBLE,
    module_scores_max_diff     DOUBLE,
    modules_only_in_api        VARCHAR[],
    modules_only_in_warehouse  VARCHAR[],
    n_jobs_per_module_max_diff BIGINT,
    job_ids_only_in_api        BIGINT,
    job_ids_only_in_warehouse  BIGINT,
    reconciled_at              TIMESTAMPTZ NOT NULL
);

-- One row per level (agent, session, turn): how many summaries the last reconciliation compared
-- and how many of them differ, rebuilt with summary_reconciliation (zeros for a level with none).
CREATE TABLE IF NOT EXISTS summary_reconciliation_totals (
    level         VARCHAR NOT NULL,
    compared      BIGINT NOT NULL,
    mismatched    BIGINT NOT NULL,
    reconciled_at TIMESTAMPTZ NOT NULL
);
