-- Run observability of task runs (issue 23, docs/tasks.md "Run diagnostics"): the message that closes a
-- run (its last assistant text or its status line) stores the run's summary (schema version 1, with its
-- incident) as the agent sent it. json, not jsonb: the export repeats the summary as stored, in the
-- field order of the spec (jsonb would reorder its keys).
ALTER TABLE task_messages ADD COLUMN run_observability json;
ALTER TABLE task_messages ADD CONSTRAINT task_messages_run_observability_kind
    CHECK (run_observability IS NULL OR kind IN ('assistant', 'status'));

-- The last run of a task (tasks show) and the export's list of runs.
CREATE INDEX task_messages_runs_idx ON task_messages (task_id, sequence) WHERE run_observability IS NOT NULL;
