-- Move one agent's read position forward, in the transaction that committed what it covers.
INSERT OR REPLACE INTO sync_state (agent_id, newest_start_time, last_mode, synced_at)
SELECT
    $agent_id,
    (SELECT max(start_time) FROM sessions WHERE agent_id = $agent_id AND gone_at IS NULL),
    $mode,
    $synced_at;
