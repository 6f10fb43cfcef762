-- Set aside the records that failed validation (registered as `batch`). A record is identified
-- by its endpoint and raw body, so meeting it again on the next sync only counts it.
INSERT INTO quarantine BY NAME
SELECT
    md5(batch.endpoint || chr(0) || batch.raw_json) AS quarantine_id,
    batch.* REPLACE (CAST(request_params AS JSON) AS request_params),
    $synced_at AS first_quarantined_at,
    $synced_at AS last_quarantined_at,
    1 AS times_seen
FROM batch
QUALIFY row_number() OVER (PARTITION BY md5(batch.endpoint || chr(0) || batch.raw_json)) = 1
ON CONFLICT (quarantine_id) DO UPDATE SET
    last_quarantined_at = excluded.last_quarantined_at,
    times_seen = quarantine.times_seen + 1;
