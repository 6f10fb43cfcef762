-- The SDK loop's upsert: each batch (registered Arrow tables agents_batch, sessions_batch,
-- jobs_batch) replaces the rows with the same key, as a user without a framework writes it.
CREATE TABLE IF NOT EXISTS agents AS FROM agents_batch LIMIT 0;
DELETE FROM agents WHERE id IN (SELECT id FROM agents_batch);
INSERT INTO agents BY NAME FROM agents_batch;

CREATE TABLE IF NOT EXISTS sessions AS FROM sessions_batch LIMIT 0;
DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM sessions_batch);
INSERT INTO sessions BY NAME FROM sessions_batch;

CREATE TABLE IF NOT EXISTS scoring_jobs AS FROM jobs_batch LIMIT 0;
DELETE FROM scoring_jobs WHERE job_id IN (SELECT job_id FROM jobs_batch);
INSERT INTO scoring_jobs BY NAME FROM jobs_batch;
