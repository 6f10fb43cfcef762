-- Set aside the records that failed validation (registered as `batch`). A record is identified
-- by its endpoint and its key (its raw body when it has no readable key): the same bad record
-- met again, even spelt differently, is counted and refreshed, not stored twice.
INSERT INTO quarantine BY NAME
SELECT
    md5(batch.endpoint || chr(0) || coalesce(batch.record_key, batch.raw_json)) AS quarantine_id,
    batch.* REPLACE (CAST(request_params AS JSON) AS request_params),
    $synced_at AS first_quarantined_at,
    $synced_at AS last_quarantined_at,
    1 AS times_seen
FROM batch
QUALIFY row_number() OVER (
    PARTITION BY batch.endpoint, coalesce(batch.record_key, batch.raw_json)
) = 1
ON CONFLICT (quarantine_id) DO UPDATE SET
    request_path = excluded.request_path,
    request_params = excluded.request_params,
    position = excluded.position,
    raw_json = excluded.raw_json,
    error = excluded.error,
    last_quarantined_at = excluded.last_quarantined_at,
    times_seen = quarantine.times_seen + 1;
