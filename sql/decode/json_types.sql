-- The JSON-type test the decode queries use: is `value` of one of `types` (json_type names;
-- SQL NULL, a key that is absent, counts as 'NULL', as JSON null does).
CREATE OR REPLACE TEMP MACRO json_is(value, types) AS
    list_contains(types, coalesce(json_type(value), 'NULL'));
