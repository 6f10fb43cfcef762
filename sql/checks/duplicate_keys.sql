-- How many key values occur more than once in $table, keyed by the columns in $keys.
-- NULLs compare equal here, as they must for api_turn_summaries' null turn.
SELECT
    count(*) AS duplicated_keys,
    coalesce(sum(n), 0) AS rows_involved
FROM (
    SELECT count(*) AS n
    FROM (
        SELECT struct_pack(*COLUMNS(lambda c: list_contains($keys, c))) AS key
        FROM query_table($table)
    )
    GROUP BY key
    HAVING count(*) > 1
);
