SELECT count(*) AS row_count FROM query_table($table);
