-- Records quarantined for the first time by the latest sync, and a sample of why.
SELECT
    count(*) FILTER (WHERE first_quarantined_at = latest) AS new_records,
    count(*) AS total_records,
    list(endpoint || ': ' || error ORDER BY first_quarantined_at DESC)[1:5] AS sample
FROM quarantine, (SELECT max(last_quarantined_at) AS latest FROM quarantine);
