-- Store what the agent summary endpoint returned (registered as `batch`), replacing the last:
-- its fields in api_agent_summaries, its job ids in api_agent_summary_job_ids. Every sync
-- stores every agent's summary again, hundreds of thousands of ids each, so the stored ids are
-- brought level with the list (the ids it no longer lists deleted, the new ones added) rather
-- than written again, and fingerprinted here (sql/views/score_summaries.sql) for the
-- reconciliation to compare one number.

-- The ids as a set, as the reconciliation compares them: an id listed twice is stored once.
CREATE TEMP TABLE listed_job_ids AS
SELECT DISTINCT agent_name, unnest(job_ids) AS job_id
FROM batch;

CREATE TEMP TABLE listed_fingerprints AS
SELECT
    b.agent_name,
    job_id_rows_fingerprint(l.job_id) AS job_ids_fingerprint
FROM batch AS b
LEFT JOIN listed_job_ids AS l USING (agent_name)
GROUP BY b.agent_name;

DELETE FROM api_agent_summary_job_ids AS s
WHERE s.agent_name IN (SELECT agent_name FROM listed_fingerprints)
    AND NOT EXISTS (
        SELECT 1
        FROM listed_job_ids AS l
        WHERE l.agent_name = s.agent_name AND l.job_id = s.job_id
    );

-- Against the batch's agents' stored ids alone, not every agent's.
INSERT INTO api_agent_summary_job_ids
SELECT l.agent_name, l.job_id
FROM listed_job_ids AS l
WHERE NOT EXISTS (
        SELECT 1
        FROM api_agent_summary_job_ids AS s
        WHERE s.agent_name IN (SELECT agent_name FROM listed_fingerprints)
            AND s.agent_name = l.agent_name
            AND s.job_id = l.job_id
    );

INSERT OR REPLACE INTO api_agent_summaries BY NAME
SELECT
    b.* EXCLUDE (job_ids),
    len(b.job_ids) AS n_job_ids,
    $synced_at AS fetched_at,
    f.job_ids_fingerprint,
    summary_fingerprint_version() AS fingerprinted_with
FROM batch AS b
JOIN listed_fingerprints AS f USING (agent_name);

DROP TABLE listed_job_ids;
DROP TABLE listed_fingerprints;
