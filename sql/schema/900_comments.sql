-- The data dictionary: one description of every table, view and column of the warehouse.
--
-- Applied last on every connect (after the views and marts: replacing a view drops its
-- comments). Dagster shows these as the assets' column schemas, `meibel-pipeline docs` renders
-- them into docs/data-dictionary.md, and tests/marts/test_dictionary.py fails while any table,
-- view or column lacks one: add a column, describe it here. A relation's description opens
-- with its grain ("One row per ...").

-- agents ----------------------------------------------------------------------------------------
COMMENT ON TABLE agents IS 'One row per agent the API key can see (GET /agents), kept after it disappears (gone_at).';
COMMENT ON COLUMN agents.agent_id IS 'The agent''s id in Meibel; the key.';
COMMENT ON COLUMN agents.name IS 'The agent''s name: what scoring jobs and summaries call it (agent_name elsewhere).';
COMMENT ON COLUMN agents.display_name IS 'The name shown in Meibel''s UI.';
COMMENT ON COLUMN agents.description IS 'Free-text description of the agent, if any.';
COMMENT ON COLUMN agents.version IS 'The agent''s current version as the API returned it at the last sync.';
COMMENT ON COLUMN agents.type IS 'Lifecycle state of that version: draft or published.';
COMMENT ON COLUMN agents.llm_model IS 'The language model the agent runs on.';
COMMENT ON COLUMN agents.tool_count IS 'How many tools the agent has.';
COMMENT ON COLUMN agents.datasource_count IS 'How many data sources the agent has.';
COMMENT ON COLUMN agents.last_execution_status IS 'Status of the agent''s latest session, as the API reports it.';
COMMENT ON COLUMN agents.last_execution_time IS 'When the agent''s latest session ran.';
COMMENT ON COLUMN agents.first_seen_at IS 'The sync that first saw the agent.';
COMMENT ON COLUMN agents.last_seen_at IS 'The latest sync that saw the agent.';
COMMENT ON COLUMN agents.gone_at IS 'The full refresh that no longer found the agent in the API; NULL while it is there.';

-- sessions --------------------------------------------------------------------------------------
COMMENT ON TABLE sessions IS 'One row per agent session (GET /agents/{agent_id}/sessions), kept after it disappears (gone_at).';
COMMENT ON COLUMN sessions.session_id IS 'The session''s id; the key, and agent_session_id on its scoring jobs.';
COMMENT ON COLUMN sessions.agent_id IS 'The agent that ran the session (agents.agent_id).';
COMMENT ON COLUMN sessions.agent_name IS 'The agent''s name at the time of the session.';
COMMENT ON COLUMN sessions.agent_version IS 'The agent version that ran the session.';
COMMENT ON COLUMN sessions.status IS 'RUNNING, or how it ended: COMPLETED, FAILED, CANCELED or TERMINATED.';
COMMENT ON COLUMN sessions.start_time IS 'When the session started.';
COMMENT ON COLUMN sessions.end_time IS 'When the session ended; NULL while it runs.';
COMMENT ON COLUMN sessions.messages_count IS 'Messages exchanged in the session.';
COMMENT ON COLUMN sessions.token_usage IS 'Token counts as the API returned them (JSON; keys such as input_tokens, output_tokens).';
COMMENT ON COLUMN sessions.result IS 'The session''s result items as the API returned them (JSON array).';
COMMENT ON COLUMN sessions.first_seen_at IS 'The sync that first saw the session.';
COMMENT ON COLUMN sessions.last_seen_at IS 'The latest sync that read the session.';
COMMENT ON COLUMN sessions.settled_at IS 'The sync that first found the session settled: ended, and every one of its jobs completed, failed or not_run. Settled sessions are not read again by incremental syncs.';
COMMENT ON COLUMN sessions.gone_at IS 'The full refresh that no longer found the session in the API; NULL while it is there.';

-- module_scales ---------------------------------------------------------------------------------
COMMENT ON TABLE module_scales IS 'One row per known scoring module: the scale its scores are on (sql/schema/002_module_scales.sql).';
COMMENT ON COLUMN module_scales.module IS 'The scoring module''s name, as on scoring_jobs.module; the key.';
COMMENT ON COLUMN module_scales.scale IS 'judge (integer scores 0-10, from an LLM judge) or statistical (0-1).';
COMMENT ON COLUMN module_scales.min_score IS 'The lowest score on the module''s scale.';
COMMENT ON COLUMN module_scales.max_score IS 'The highest score on the module''s scale.';

-- scoring_jobs ----------------------------------------------------------------------------------
COMMENT ON TABLE scoring_jobs IS 'One row per scoring job (GET /confidence-scoring/jobs) in its latest known state, with the identity context flattened into typed columns; kept after it disappears (gone_at).';
COMMENT ON COLUMN scoring_jobs.job_id IS 'The scoring job''s id; the key.';
COMMENT ON COLUMN scoring_jobs.module IS 'The scoring module that scored (or is to score) the output: correctness, coherence, faithfulness, observed_consistency, data_grounding, or one the API adds.';
COMMENT ON COLUMN scoring_jobs.status IS 'submitted or in_progress (pending), then completed, failed or not_run.';
COMMENT ON COLUMN scoring_jobs.score IS 'The score on the module''s own scale (see scale); NULL unless completed, and sometimes NULL even then.';
COMMENT ON COLUMN scoring_jobs.explanation IS 'The module''s explanation of the score, or why it failed or did not run.';
COMMENT ON COLUMN scoring_jobs.customer_id IS 'Identity context: your customer id.';
COMMENT ON COLUMN scoring_jobs.project_id IS 'Identity context: the project the job belongs to.';
COMMENT ON COLUMN scoring_jobs.agent_name IS 'Identity context: the agent that produced the scored output (agents.name).';
COMMENT ON COLUMN scoring_jobs.agent_version IS 'Identity context: the agent version that produced the scored output.';
COMMENT ON COLUMN scoring_jobs.agent_session_id IS 'Identity context: the session that produced the scored output (sessions.session_id).';
COMMENT ON COLUMN scoring_jobs.agent_turn IS 'Identity context: the turn within the session; NULL for output scored on the session as a whole.';
COMMENT ON COLUMN scoring_jobs.agent_workflow_name IS 'Identity context: the workflow the session ran in, if any.';
COMMENT ON COLUMN scoring_jobs.agent_workflow_version IS 'Identity context: the version of that workflow.';
COMMENT ON COLUMN scoring_jobs.agent_workflow_session_id IS 'Identity context: the workflow run the session belonged to.';
COMMENT ON COLUMN scoring_jobs.batch_definition_id IS 'Identity context: the batch definition, for batch runs.';
COMMENT ON COLUMN scoring_jobs.batch_execution_id IS 'Identity context: the batch execution, for batch runs.';
COMMENT ON COLUMN scoring_jobs.tool_id IS 'Identity context: the tool whose call was scored, if the output came from one.';
COMMENT ON COLUMN scoring_jobs.tool_instance_id IS 'Identity context: the agent''s configured instance of that tool.';
COMMENT ON COLUMN scoring_jobs.tool_execution_id IS 'Identity context: the one tool call scored; shared by the modules that judged it.';
COMMENT ON COLUMN scoring_jobs.scale IS 'The module''s scale from module_scales (judge or statistical); NULL for a module it does not know.';
COMMENT ON COLUMN scoring_jobs.first_seen_at IS 'The sync that first saw the job.';
COMMENT ON COLUMN scoring_jobs.last_seen_at IS 'The latest sync that read the job.';
COMMENT ON COLUMN scoring_jobs.gone_at IS 'The full refresh that no longer found the job in the API; NULL while it is there.';

-- scoring_job_history ---------------------------------------------------------------------------
COMMENT ON TABLE scoring_job_history IS 'One row per version of a scoring job''s outcome (type-2 history): opened by the sync that first saw that status, score and explanation, closed by the one that saw them change or the job gone.';
COMMENT ON COLUMN scoring_job_history.job_id IS 'The scoring job (scoring_jobs.job_id).';
COMMENT ON COLUMN scoring_job_history.status IS 'The job''s status in this version.';
COMMENT ON COLUMN scoring_job_history.score IS 'The job''s score in this version.';
COMMENT ON COLUMN scoring_job_history.explanation IS 'The job''s explanation in this version.';
COMMENT ON COLUMN scoring_job_history.valid_from IS 'The sync that first saw this version; with job_id, the key.';
COMMENT ON COLUMN scoring_job_history.valid_to IS 'The sync that saw the next version, or the job gone; NULL for the current version.';

-- quarantine ------------------------------------------------------------------------------------
COMMENT ON TABLE quarantine IS 'One row per distinct record the API returned that fit no schema: kept as it arrived, with where it came from and what is wrong. The same bad record met again is counted, not stored twice.';
COMMENT ON COLUMN quarantine.quarantine_id IS 'md5 of the endpoint and the raw record; the key.';
COMMENT ON COLUMN quarantine.endpoint IS 'Which endpoint returned the record (agents, sessions, jobs, summaries).';
COMMENT ON COLUMN quarantine.request_path IS 'The request path that returned it (never the API key, which travels in a header).';
COMMENT ON COLUMN quarantine.request_params IS 'The request''s query parameters (JSON).';
COMMENT ON COLUMN quarantine.record_key IS 'The record''s own primary key (such as job_id), when it has a readable one.';
COMMENT ON COLUMN quarantine.position IS 'Its index in the listing (offset included) or in the response array.';
COMMENT ON COLUMN quarantine.raw_json IS 'The record exactly as it arrived.';
COMMENT ON COLUMN quarantine.error IS 'Why it fit no schema: the validation errors.';
COMMENT ON COLUMN quarantine.first_quarantined_at IS 'The sync that first set it aside.';
COMMENT ON COLUMN quarantine.last_quarantined_at IS 'The latest sync that met it again.';
COMMENT ON COLUMN quarantine.times_seen IS 'How many syncs have met it.';

-- sync_state ------------------------------------------------------------------------------------
COMMENT ON TABLE sync_state IS 'One row per agent: how far syncs have read it, committed with the data it describes.';
COMMENT ON COLUMN sync_state.agent_id IS 'The agent (agents.agent_id); the key.';
COMMENT ON COLUMN sync_state.newest_start_time IS 'The newest session start held: an incremental sync reads back to it, less a lookback.';
COMMENT ON COLUMN sync_state.last_mode IS 'How the agent was last synced: full or incremental.';
COMMENT ON COLUMN sync_state.synced_at IS 'When the agent was last synced.';

-- API summaries ---------------------------------------------------------------------------------
COMMENT ON TABLE api_agent_summaries IS 'One row per agent: the API''s own ScoreSummary of it (GET /confidence-scoring/summary/agent/{agent_name}), as returned; its job ids are rows of api_agent_summary_job_ids.';
COMMENT ON COLUMN api_agent_summaries.agent_name IS 'The agent summarised; the key.';
COMMENT ON COLUMN api_agent_summaries.status IS 'The summary''s status: in_progress if any job is pending, else failed if any failed, else completed, else not_run.';
COMMENT ON COLUMN api_agent_summaries.aggregate_score IS 'Mean score over the completed, scored jobs, each on its own scale.';
COMMENT ON COLUMN api_agent_summaries.module_scores IS 'Mean score per module, over completed, scored jobs.';
COMMENT ON COLUMN api_agent_summaries.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN api_agent_summaries.n_job_ids IS 'How many job ids the summary lists, as returned (NULL when its job_ids is null).';
COMMENT ON COLUMN api_agent_summaries.fetched_at IS 'The sync that fetched the summary.';
COMMENT ON COLUMN api_agent_summaries.job_ids_fingerprint IS 'Reconciliation bookkeeping: the summary''s job ids as one number (how many distinct ids, and their hashes), compared with the jobs'' instead of the ids; computed by the load.';
COMMENT ON COLUMN api_agent_summaries.fingerprinted_with IS 'Reconciliation bookkeeping: the fingerprint version job_ids_fingerprint was computed with; NULL until computed.';

COMMENT ON TABLE api_agent_summary_job_ids IS 'One row per job id an agent''s API summary (api_agent_summaries) lists, whatever the job''s status; an id listed twice is stored once. Kept level with the last summary fetched: the ids it no longer lists are deleted, the new ones added.';
COMMENT ON COLUMN api_agent_summary_job_ids.agent_name IS 'The agent summarised (api_agent_summaries.agent_name).';
COMMENT ON COLUMN api_agent_summary_job_ids.job_id IS 'A job the summary covers; with agent_name, the key.';

COMMENT ON TABLE api_session_summaries IS 'One row per verified session: the API''s own ScoreSummary of it, as returned.';
COMMENT ON COLUMN api_session_summaries.agent_name IS 'The agent the session belongs to.';
COMMENT ON COLUMN api_session_summaries.session_id IS 'The session summarised; with agent_name, the key.';
COMMENT ON COLUMN api_session_summaries.status IS 'The summary''s status, by the same rule as the agent summary''s.';
COMMENT ON COLUMN api_session_summaries.aggregate_score IS 'Mean score over the session''s completed, scored jobs.';
COMMENT ON COLUMN api_session_summaries.module_scores IS 'Mean score per module over the session''s completed, scored jobs.';
COMMENT ON COLUMN api_session_summaries.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN api_session_summaries.job_ids IS 'Every job of the session, whatever its status.';
COMMENT ON COLUMN api_session_summaries.fetched_at IS 'The sync that fetched the summary.';
COMMENT ON COLUMN api_session_summaries.session_key IS 'Reconciliation bookkeeping: (agent_name, session_id) hashed to one number, to group and join on.';
COMMENT ON COLUMN api_session_summaries.turns_consistent IS 'Reconciliation bookkeeping: whether the status, job_ids, n_jobs_per_module and scored modules equal what the session''s turns (api_turn_summaries) add up to, no turn listed twice.';
COMMENT ON COLUMN api_session_summaries.turns_aggregate_score IS 'Reconciliation bookkeeping: the aggregate score the session''s turns'' module scores add up to, one job each.';
COMMENT ON COLUMN api_session_summaries.turns_module_scores_max_diff IS 'Reconciliation bookkeeping: largest difference between a module score and the one the session''s turns add up to; NULL when they share no module.';
COMMENT ON COLUMN api_session_summaries.fingerprinted_with IS 'Reconciliation bookkeeping: the fingerprint version the row''s bookkeeping was computed with; NULL (as a load stores it) until the next reconciliation computes it.';

COMMENT ON TABLE api_turn_summaries IS 'One row per turn of a verified session: the per-turn breakdown inside the API''s session summary.';
COMMENT ON COLUMN api_turn_summaries.agent_name IS 'The agent the session belongs to.';
COMMENT ON COLUMN api_turn_summaries.session_id IS 'The session the turn belongs to.';
COMMENT ON COLUMN api_turn_summaries.turn IS 'The turn number; NULL for the jobs without a turn. With agent_name and session_id, the key.';
COMMENT ON COLUMN api_turn_summaries.status IS 'The turn''s summary status.';
COMMENT ON COLUMN api_turn_summaries.aggregate_score IS 'Mean score over the turn''s completed, scored jobs.';
COMMENT ON COLUMN api_turn_summaries.module_scores IS 'Mean score per module over the turn''s completed, scored jobs.';
COMMENT ON COLUMN api_turn_summaries.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN api_turn_summaries.job_ids IS 'Every job of the turn, whatever its status.';
COMMENT ON COLUMN api_turn_summaries.fetched_at IS 'The sync that fetched the session summary.';
COMMENT ON COLUMN api_turn_summaries.session_key IS 'Reconciliation bookkeeping: (agent_name, session_id) hashed to one number, to group and join on.';
COMMENT ON COLUMN api_turn_summaries.fingerprint IS 'Reconciliation bookkeeping: the turn''s key, status, job_ids and maps as one number, compared with the one its jobs give; NULL when a module score is not finite.';
COMMENT ON COLUMN api_turn_summaries.module_scores_mean IS 'Reconciliation bookkeeping: the mean of the turn''s module scores, its aggregate score when each module has one job.';
COMMENT ON COLUMN api_turn_summaries.fingerprinted_with IS 'Reconciliation bookkeeping: the fingerprint version the row''s bookkeeping was computed with; NULL (as a load stores it) until the next reconciliation computes it.';

-- Recomputed summaries (sql/views/score_summaries.sql) ------------------------------------------
COMMENT ON VIEW score_summary_jobs IS 'One row per scoring job with an agent name: the jobs the recomputed summaries aggregate, under the summaries'' key names.';
COMMENT ON COLUMN score_summary_jobs.agent_name IS 'The job''s agent.';
COMMENT ON COLUMN score_summary_jobs.session_id IS 'The job''s session (agent_session_id).';
COMMENT ON COLUMN score_summary_jobs.turn IS 'The job''s turn (agent_turn).';
COMMENT ON COLUMN score_summary_jobs.module IS 'The job''s scoring module.';
COMMENT ON COLUMN score_summary_jobs.status IS 'The job''s status.';
COMMENT ON COLUMN score_summary_jobs.score IS 'The job''s score on its module''s scale.';
COMMENT ON COLUMN score_summary_jobs.job_id IS 'The job.';

COMMENT ON VIEW agent_score_summary IS 'One row per agent: the API''s agent summary recomputed from scoring_jobs by the rules of sql/views/score_summaries.sql.';
COMMENT ON COLUMN agent_score_summary.agent_name IS 'The agent; the key.';
COMMENT ON COLUMN agent_score_summary.status IS 'in_progress if any job is pending, else failed if any failed, else completed, else not_run.';
COMMENT ON COLUMN agent_score_summary.aggregate_score IS 'Mean raw score over completed, scored jobs (judge and statistical scales mixed, as the API does).';
COMMENT ON COLUMN agent_score_summary.module_scores IS 'Mean score per module over completed, scored jobs.';
COMMENT ON COLUMN agent_score_summary.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN agent_score_summary.job_ids IS 'Every job of the agent, whatever its status.';

COMMENT ON VIEW session_score_summary IS 'One row per (agent, session): the API''s session summary recomputed from scoring_jobs.';
COMMENT ON COLUMN session_score_summary.agent_name IS 'The agent.';
COMMENT ON COLUMN session_score_summary.session_id IS 'The session; with agent_name, the key.';
COMMENT ON COLUMN session_score_summary.status IS 'The session''s summary status, by the agent summary''s rule.';
COMMENT ON COLUMN session_score_summary.aggregate_score IS 'Mean raw score over the session''s completed, scored jobs.';
COMMENT ON COLUMN session_score_summary.module_scores IS 'Mean score per module.';
COMMENT ON COLUMN session_score_summary.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN session_score_summary.job_ids IS 'Every job of the session.';

COMMENT ON VIEW turn_score_summary IS 'One row per (agent, session, turn): the per-turn summary recomputed from scoring_jobs; jobs without a turn form a NULL turn.';
COMMENT ON COLUMN turn_score_summary.agent_name IS 'The agent.';
COMMENT ON COLUMN turn_score_summary.session_id IS 'The session.';
COMMENT ON COLUMN turn_score_summary.turn IS 'The turn; NULL for the jobs without one. With agent_name and session_id, the key.';
COMMENT ON COLUMN turn_score_summary.status IS 'The turn''s summary status.';
COMMENT ON COLUMN turn_score_summary.aggregate_score IS 'Mean raw score over the turn''s completed, scored jobs.';
COMMENT ON COLUMN turn_score_summary.module_scores IS 'Mean score per module.';
COMMENT ON COLUMN turn_score_summary.n_jobs_per_module IS 'Completed, scored jobs per module.';
COMMENT ON COLUMN turn_score_summary.job_ids IS 'Every job of the turn.';

-- summary_reconciliation ------------------------------------------------------------------------
COMMENT ON TABLE summary_reconciliation IS 'One row per summary (agent, session or turn) that does not match the API''s: what differs between the two and by how much, rebuilt after every sync. Summaries that match are counted in summary_reconciliation_totals, not stored: a matching summary equals the API''s row within the tolerance, and at millions of summaries storing them costs more than the comparison.';
COMMENT ON COLUMN summary_reconciliation.level IS 'agent, session or turn.';
COMMENT ON COLUMN summary_reconciliation.agent_name IS 'The agent summarised.';
COMMENT ON COLUMN summary_reconciliation.session_id IS 'The session, for session and turn rows.';
COMMENT ON COLUMN summary_reconciliation.turn IS 'The turn, for turn rows (NULL also for the jobs without a turn).';
COMMENT ON COLUMN summary_reconciliation.matches IS 'Whether no field differs beyond the tolerance: false on every stored row, since matching summaries are only counted (summary_reconciliation_totals).';
COMMENT ON COLUMN summary_reconciliation.mismatched_fields IS 'The fields that differ: status, aggregate_score, module_scores, n_jobs_per_module, job_ids.';
COMMENT ON COLUMN summary_reconciliation.api_status IS 'The status the API returned.';
COMMENT ON COLUMN summary_reconciliation.recomputed_status IS 'The status recomputed from scoring_jobs.';
COMMENT ON COLUMN summary_reconciliation.api_aggregate_score IS 'The aggregate score the API returned.';
COMMENT ON COLUMN summary_reconciliation.recomputed_aggregate_score IS 'The aggregate score recomputed from scoring_jobs.';
COMMENT ON COLUMN summary_reconciliation.aggregate_score_diff IS 'Absolute difference of the two aggregate scores.';
COMMENT ON COLUMN summary_reconciliation.module_scores_max_diff IS 'Largest absolute difference of a module score both sides have.';
COMMENT ON COLUMN summary_reconciliation.modules_only_in_api IS 'Modules with a score in the API''s summary only.';
COMMENT ON COLUMN summary_reconciliation.modules_only_in_warehouse IS 'Modules with a score in the recomputed summary only.';
COMMENT ON COLUMN summary_reconciliation.n_jobs_per_module_max_diff IS 'Largest difference in a module''s scored-job count.';
COMMENT ON COLUMN summary_reconciliation.job_ids_only_in_api IS 'How many job ids only the API''s summary lists.';
COMMENT ON COLUMN summary_reconciliation.job_ids_only_in_warehouse IS 'How many job ids only the recomputed summary lists.';
COMMENT ON COLUMN summary_reconciliation.reconciled_at IS 'When the reconciliation ran.';

-- summary_reconciliation_totals -----------------------------------------------------------------
COMMENT ON TABLE summary_reconciliation_totals IS 'One row per level (agent, session, turn): how many summaries the last reconciliation compared and how many differ, rebuilt with summary_reconciliation.';
COMMENT ON COLUMN summary_reconciliation_totals.level IS 'agent, session or turn; the key.';
COMMENT ON COLUMN summary_reconciliation_totals.compared IS 'Summaries compared: every API summary of the level, and the turns of fetched sessions only the warehouse has.';
COMMENT ON COLUMN summary_reconciliation_totals.mismatched IS 'Of those, how many differ: the level''s rows in summary_reconciliation.';
COMMENT ON COLUMN summary_reconciliation_totals.reconciled_at IS 'When the reconciliation ran.';

-- Marts (sql/marts/) ----------------------------------------------------------------------------
COMMENT ON VIEW job_scores IS 'One row per scoring job still in the API: the job with its session, its score normalised to 0-1, its day, and when its score arrived. Every other mart is built on it.';
COMMENT ON COLUMN job_scores.job_id IS 'The scoring job; the key.';
COMMENT ON COLUMN job_scores.agent_name IS 'The agent that produced the scored output.';
COMMENT ON COLUMN job_scores.agent_version IS 'The agent version: the job''s own, else its session''s.';
COMMENT ON COLUMN job_scores.session_id IS 'The session that produced the scored output.';
COMMENT ON COLUMN job_scores.turn IS 'The turn within the session; NULL for output scored on the session as a whole.';
COMMENT ON COLUMN job_scores.module IS 'The scoring module.';
COMMENT ON COLUMN job_scores.scale IS 'judge (0-10) or statistical (0-1); NULL for an unknown module.';
COMMENT ON COLUMN job_scores.status IS 'submitted, in_progress, completed, failed or not_run.';
COMMENT ON COLUMN job_scores.is_settled IS 'True once the job is completed, failed or not_run (its outcome no longer changes).';
COMMENT ON COLUMN job_scores.is_scored IS 'True when the job counts towards scores: completed, with a score (the API''s own rule).';
COMMENT ON COLUMN job_scores.score IS 'The raw score on the module''s own scale.';
COMMENT ON COLUMN job_scores.score_normalized IS 'The score mapped onto 0-1 by its module''s scale ((score - min) / (max - min)), so that judge and statistical modules compare; NULL unless scored or for an unknown module.';
COMMENT ON COLUMN job_scores.tool_id IS 'The tool whose call was scored, if any.';
COMMENT ON COLUMN job_scores.workflow_name IS 'The workflow the session ran in, if any.';
COMMENT ON COLUMN job_scores.workflow_version IS 'The version of that workflow.';
COMMENT ON COLUMN job_scores.session_status IS 'The session''s status; NULL if we hold no such session.';
COMMENT ON COLUMN job_scores.session_start_time IS 'When the job''s session started.';
COMMENT ON COLUMN job_scores.session_end_time IS 'When the job''s session ended; NULL while it runs.';
COMMENT ON COLUMN job_scores.score_date IS 'The UTC day the job belongs to: its session''s start, else the day we first saw the job.';
COMMENT ON COLUMN job_scores.first_seen_at IS 'The sync that first saw the job.';
COMMENT ON COLUMN job_scores.last_seen_at IS 'The latest sync that read the job.';
COMMENT ON COLUMN job_scores.settled_seen_at IS 'The first sync that saw the job settled (from scoring_job_history).';
COMMENT ON COLUMN job_scores.settle_latency_seconds IS 'Seconds from session end until the score arrived: an upper bound, tight to one sync interval; NULL where no earlier sync bounds it (jobs already settled when first synced) or the session has not ended. Negative when the score arrived before the session ended.';
COMMENT ON COLUMN job_scores.pending_after_end_seconds IS 'For a job still pending after its session ended: seconds from the end until the last sync that saw it pending.';

COMMENT ON VIEW daily_scores IS 'One row per (score_date, agent_name, agent_version, module): job counts, the score distribution and failure rates of a day.';
COMMENT ON COLUMN daily_scores.score_date IS 'The UTC day (job_scores.score_date).';
COMMENT ON COLUMN daily_scores.agent_name IS 'The agent.';
COMMENT ON COLUMN daily_scores.agent_version IS 'The agent version.';
COMMENT ON COLUMN daily_scores.module IS 'The scoring module.';
COMMENT ON COLUMN daily_scores.scale IS 'The module''s scale: judge (0-10) or statistical (0-1).';
COMMENT ON COLUMN daily_scores.n_jobs IS 'Scoring jobs, whatever their status.';
COMMENT ON COLUMN daily_scores.n_pending IS 'Jobs still submitted or in_progress.';
COMMENT ON COLUMN daily_scores.n_settled IS 'Jobs completed, failed or not_run.';
COMMENT ON COLUMN daily_scores.n_completed IS 'Jobs completed.';
COMMENT ON COLUMN daily_scores.n_failed IS 'Jobs failed.';
COMMENT ON COLUMN daily_scores.n_not_run IS 'Jobs not run.';
COMMENT ON COLUMN daily_scores.n_scored IS 'Jobs that count towards scores (completed, with a score).';
COMMENT ON COLUMN daily_scores.score_sum IS 'Sum of raw scores: with n_scored, re-aggregates exactly (sum(score_sum) / sum(n_scored)).';
COMMENT ON COLUMN daily_scores.mean_score IS 'Mean raw score over scored jobs.';
COMMENT ON COLUMN daily_scores.p10_score IS '10th percentile of raw scores (interpolated).';
COMMENT ON COLUMN daily_scores.p50_score IS 'Median raw score (interpolated).';
COMMENT ON COLUMN daily_scores.p90_score IS '90th percentile of raw scores (interpolated).';
COMMENT ON COLUMN daily_scores.score_normalized_sum IS 'Sum of normalised (0-1) scores, for re-aggregation across modules.';
COMMENT ON COLUMN daily_scores.mean_score_normalized IS 'Mean score normalised to 0-1, comparable across modules.';
COMMENT ON COLUMN daily_scores.failed_rate IS 'Failed jobs over settled jobs; NULL when none has settled.';
COMMENT ON COLUMN daily_scores.not_run_rate IS 'Not-run jobs over settled jobs; NULL when none has settled.';

COMMENT ON VIEW weekly_scores IS 'One row per (week_start, agent_name, agent_version, module): the week''s scores beside the same version''s previous week and the whole agent''s week.';
COMMENT ON COLUMN weekly_scores.week_start IS 'Monday of the ISO week (UTC days).';
COMMENT ON COLUMN weekly_scores.agent_name IS 'The agent.';
COMMENT ON COLUMN weekly_scores.agent_version IS 'The agent version.';
COMMENT ON COLUMN weekly_scores.module IS 'The scoring module.';
COMMENT ON COLUMN weekly_scores.scale IS 'The module''s scale: judge (0-10) or statistical (0-1).';
COMMENT ON COLUMN weekly_scores.n_jobs IS 'Scoring jobs, whatever their status.';
COMMENT ON COLUMN weekly_scores.n_settled IS 'Jobs completed, failed or not_run.';
COMMENT ON COLUMN weekly_scores.n_scored IS 'Jobs that count towards scores.';
COMMENT ON COLUMN weekly_scores.mean_score IS 'Mean raw score over scored jobs.';
COMMENT ON COLUMN weekly_scores.mean_score_normalized IS 'Mean score normalised to 0-1.';
COMMENT ON COLUMN weekly_scores.p50_score IS 'Median raw score (interpolated).';
COMMENT ON COLUMN weekly_scores.failed_rate IS 'Failed jobs over settled jobs.';
COMMENT ON COLUMN weekly_scores.prev_week_mean_score IS 'The same agent version''s mean score for the module in the calendar week before; NULL if it had none.';
COMMENT ON COLUMN weekly_scores.prev_week_n_scored IS 'Scored jobs behind prev_week_mean_score.';
COMMENT ON COLUMN weekly_scores.change_vs_prev_week IS 'mean_score minus prev_week_mean_score: negative when the score dropped.';
COMMENT ON COLUMN weekly_scores.agent_mean_score IS 'The whole agent''s (all versions'') mean score for the module that week.';
COMMENT ON COLUMN weekly_scores.diff_vs_agent IS 'mean_score minus agent_mean_score: how this version compares with the agent''s other versions that week.';

COMMENT ON VIEW session_scores IS 'One row per session still in the API: its facts, job counts, and each module''s mean score in a column of its own.';
COMMENT ON COLUMN session_scores.session_id IS 'The session; the key.';
COMMENT ON COLUMN session_scores.agent_id IS 'The agent that ran it.';
COMMENT ON COLUMN session_scores.agent_name IS 'The agent''s name.';
COMMENT ON COLUMN session_scores.agent_version IS 'The agent version that ran it.';
COMMENT ON COLUMN session_scores.session_status IS 'RUNNING, COMPLETED, FAILED, CANCELED or TERMINATED.';
COMMENT ON COLUMN session_scores.start_time IS 'When the session started.';
COMMENT ON COLUMN session_scores.end_time IS 'When it ended; NULL while it runs.';
COMMENT ON COLUMN session_scores.start_date IS 'The UTC day it started.';
COMMENT ON COLUMN session_scores.duration_seconds IS 'Seconds from start to end; NULL while it runs.';
COMMENT ON COLUMN session_scores.messages_count IS 'Messages exchanged.';
COMMENT ON COLUMN session_scores.n_jobs IS 'Its scoring jobs, whatever their status.';
COMMENT ON COLUMN session_scores.n_pending IS 'Jobs still pending.';
COMMENT ON COLUMN session_scores.n_failed IS 'Jobs failed.';
COMMENT ON COLUMN session_scores.n_not_run IS 'Jobs not run.';
COMMENT ON COLUMN session_scores.n_scored IS 'Jobs that count towards scores.';
COMMENT ON COLUMN session_scores.max_turn IS 'The highest turn number scored.';
COMMENT ON COLUMN session_scores.scores_final IS 'True when the session has ended and none of its jobs is pending: its scores will not change.';
COMMENT ON COLUMN session_scores.mean_score_normalized IS 'Mean of all its scores normalised to 0-1, across modules.';
COMMENT ON COLUMN session_scores.correctness IS 'Mean correctness score (judge, 0-10); NULL if none.';
COMMENT ON COLUMN session_scores.coherence IS 'Mean coherence score (judge, 0-10); NULL if none.';
COMMENT ON COLUMN session_scores.faithfulness IS 'Mean faithfulness score (judge, 0-10); NULL if none.';
COMMENT ON COLUMN session_scores.observed_consistency IS 'Mean observed_consistency score (statistical, 0-1); NULL if none.';
COMMENT ON COLUMN session_scores.data_grounding IS 'Mean data_grounding score (statistical, 0-1); NULL if none.';

COMMENT ON VIEW scores_by_turn IS 'One row per (agent_name, agent_version, module, turn): how scores move as conversations go on. Jobs without a turn are left out.';
COMMENT ON COLUMN scores_by_turn.agent_name IS 'The agent.';
COMMENT ON COLUMN scores_by_turn.agent_version IS 'The agent version.';
COMMENT ON COLUMN scores_by_turn.module IS 'The scoring module.';
COMMENT ON COLUMN scores_by_turn.turn IS 'The turn number within the session (1 is the first).';
COMMENT ON COLUMN scores_by_turn.scale IS 'The module''s scale.';
COMMENT ON COLUMN scores_by_turn.n_sessions IS 'Sessions that reached this turn with a job of this module.';
COMMENT ON COLUMN scores_by_turn.n_jobs IS 'Scoring jobs, whatever their status.';
COMMENT ON COLUMN scores_by_turn.n_scored IS 'Jobs that count towards scores.';
COMMENT ON COLUMN scores_by_turn.score_sum IS 'Sum of raw scores, for re-aggregation.';
COMMENT ON COLUMN scores_by_turn.mean_score IS 'Mean raw score.';
COMMENT ON COLUMN scores_by_turn.mean_score_normalized IS 'Mean score normalised to 0-1.';
COMMENT ON COLUMN scores_by_turn.p50_score IS 'Median raw score (interpolated).';

COMMENT ON VIEW tool_scores IS 'One row per (score_date, agent_name, agent_version, tool_id, module) for jobs that scored a tool call. Counts and sums are additive: roll up with sum(score_sum) / sum(n_scored).';
COMMENT ON COLUMN tool_scores.score_date IS 'The UTC day.';
COMMENT ON COLUMN tool_scores.agent_name IS 'The agent.';
COMMENT ON COLUMN tool_scores.agent_version IS 'The agent version.';
COMMENT ON COLUMN tool_scores.tool_id IS 'The tool whose calls were scored.';
COMMENT ON COLUMN tool_scores.module IS 'The scoring module.';
COMMENT ON COLUMN tool_scores.scale IS 'The module''s scale.';
COMMENT ON COLUMN tool_scores.n_jobs IS 'Scoring jobs, whatever their status.';
COMMENT ON COLUMN tool_scores.n_settled IS 'Jobs completed, failed or not_run.';
COMMENT ON COLUMN tool_scores.n_failed IS 'Jobs failed.';
COMMENT ON COLUMN tool_scores.n_not_run IS 'Jobs not run.';
COMMENT ON COLUMN tool_scores.n_scored IS 'Jobs that count towards scores.';
COMMENT ON COLUMN tool_scores.score_sum IS 'Sum of raw scores.';
COMMENT ON COLUMN tool_scores.mean_score IS 'Mean raw score.';
COMMENT ON COLUMN tool_scores.score_normalized_sum IS 'Sum of normalised (0-1) scores.';
COMMENT ON COLUMN tool_scores.mean_score_normalized IS 'Mean score normalised to 0-1.';

COMMENT ON VIEW workflow_scores IS 'One row per (score_date, agent_name, agent_version, workflow_name, workflow_version, module) for jobs of sessions run in a workflow. Counts and sums are additive.';
COMMENT ON COLUMN workflow_scores.score_date IS 'The UTC day.';
COMMENT ON COLUMN workflow_scores.agent_name IS 'The agent.';
COMMENT ON COLUMN workflow_scores.agent_version IS 'The agent version.';
COMMENT ON COLUMN workflow_scores.workflow_name IS 'The workflow.';
COMMENT ON COLUMN workflow_scores.workflow_version IS 'The workflow''s version.';
COMMENT ON COLUMN workflow_scores.module IS 'The scoring module.';
COMMENT ON COLUMN workflow_scores.scale IS 'The module''s scale.';
COMMENT ON COLUMN workflow_scores.n_jobs IS 'Scoring jobs, whatever their status.';
COMMENT ON COLUMN workflow_scores.n_settled IS 'Jobs completed, failed or not_run.';
COMMENT ON COLUMN workflow_scores.n_failed IS 'Jobs failed.';
COMMENT ON COLUMN workflow_scores.n_not_run IS 'Jobs not run.';
COMMENT ON COLUMN workflow_scores.n_scored IS 'Jobs that count towards scores.';
COMMENT ON COLUMN workflow_scores.score_sum IS 'Sum of raw scores.';
COMMENT ON COLUMN workflow_scores.mean_score IS 'Mean raw score.';
COMMENT ON COLUMN workflow_scores.score_normalized_sum IS 'Sum of normalised (0-1) scores.';
COMMENT ON COLUMN workflow_scores.mean_score_normalized IS 'Mean score normalised to 0-1.';

COMMENT ON VIEW session_settlement IS 'One row per ended session with scoring jobs: when its last score arrived, or how long it has been waiting for it.';
COMMENT ON COLUMN session_settlement.session_id IS 'The session; the key.';
COMMENT ON COLUMN session_settlement.agent_name IS 'The agent.';
COMMENT ON COLUMN session_settlement.agent_version IS 'The agent version.';
COMMENT ON COLUMN session_settlement.session_status IS 'How the session ended.';
COMMENT ON COLUMN session_settlement.end_time IS 'When the session ended.';
COMMENT ON COLUMN session_settlement.n_jobs IS 'Its scoring jobs.';
COMMENT ON COLUMN session_settlement.n_pending IS 'Jobs still pending.';
COMMENT ON COLUMN session_settlement.is_settled IS 'True when none of its jobs is pending.';
COMMENT ON COLUMN session_settlement.pending_modules IS 'The modules of its pending jobs.';
COMMENT ON COLUMN session_settlement.settle_latency_seconds IS 'Seconds from session end until its last score arrived (upper bound, tight to one sync); NULL while pending or when a job''s arrival is unbounded (backfill).';
COMMENT ON COLUMN session_settlement.pending_after_end_seconds IS 'For a session with pending jobs: seconds from its end until the last sync that still saw one pending.';
COMMENT ON COLUMN session_settlement.wait_seconds IS 'pending_after_end_seconds if still waiting, else settle_latency_seconds: sort by it for the sessions slowest to settle.';
COMMENT ON COLUMN session_settlement.as_of IS 'The latest sync that read its jobs.';

COMMENT ON VIEW score_latency IS 'One row per (week_start, agent_name, module) over jobs of ended sessions: how long scores take to arrive after a session ends.';
COMMENT ON COLUMN score_latency.week_start IS 'Monday of the ISO week of the session''s day.';
COMMENT ON COLUMN score_latency.agent_name IS 'The agent.';
COMMENT ON COLUMN score_latency.module IS 'The scoring module.';
COMMENT ON COLUMN score_latency.n_jobs IS 'Jobs of ended sessions.';
COMMENT ON COLUMN score_latency.n_measured IS 'Jobs whose arrival is bounded (settle_latency_seconds known); the percentiles are over these.';
COMMENT ON COLUMN score_latency.p50_latency_seconds IS 'Median seconds from session end to score arrival (upper bounds, tight to one sync).';
COMMENT ON COLUMN score_latency.p90_latency_seconds IS '90th percentile seconds from session end to score arrival.';
COMMENT ON COLUMN score_latency.max_latency_seconds IS 'Longest measured seconds from session end to score arrival.';
COMMENT ON COLUMN score_latency.n_pending_after_end IS 'Jobs still pending after their session ended.';
COMMENT ON COLUMN score_latency.max_pending_after_end_seconds IS 'Longest wait so far of a job still pending after its session ended.';
