-- What the benchmark's warehouse holds.
SELECT
    (SELECT count(*) FROM scoring_jobs) AS jobs,
    (SELECT count(DISTINCT agent_session_id) FROM scoring_jobs) AS sessions,
    (SELECT count(*) FROM api_turn_summaries) AS api_turns;
