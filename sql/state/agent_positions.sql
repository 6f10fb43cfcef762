-- Where each agent's last committed sync left off: the newest session start we hold, and the
-- oldest session still RUNNING (an incremental read must reach back to it to see it end).
SELECT
    st.agent_id,
    st.newest_start_time,
    min(s.start_time) FILTER (WHERE s.status = 'RUNNING' AND s.gone_at IS NULL)
        AS oldest_running_start
FROM sync_state AS st
LEFT JOIN sessions AS s ON s.agent_id = st.agent_id
GROUP BY st.agent_id, st.newest_start_time;
