-- The connection log gets the data plane's rows (ssh, pty, exec, port_forward, written by the session relay)
-- beside the control-plane ones, with who, from where, how much and how it ended. started_at replaces
-- connected_at (one name for every type). Each row names the replica that holds it and when that replica
-- last vouched for it, so rows a crashed replica left open can be closed by another.
ALTER TABLE connection_logs RENAME COLUMN connected_at TO started_at;
ALTER TABLE connection_logs
    ADD COLUMN workspace_id        uuid,
    ADD COLUMN user_id             uuid,
    ADD COLUMN client_address      text,
    ADD COLUMN path                text,
    ADD COLUMN bytes_to_agent      bigint,
    ADD COLUMN bytes_to_client     bigint,
    ADD COLUMN exit_code           integer,
    ADD COLUMN disconnect_expected boolean,
    ADD COLUMN replica_id          uuid,
    ADD COLUMN last_seen_at        timestamptz;
UPDATE connection_logs c SET workspace_id = b.workspace_id, last_seen_at = COALESCE(c.ended_at, c.started_at)
FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id
WHERE a.id = c.agent_id;
ALTER INDEX connection_logs_agent_idx RENAME TO connection_logs_agent_started_idx;
-- The listing reads newest first, by workspace or user, and the sweep reads open rows.
CREATE INDEX connection_logs_started_idx ON connection_logs (started_at DESC, id DESC);
CREATE INDEX connection_logs_workspace_idx ON connection_logs (workspace_id, started_at DESC, id DESC);
CREATE INDEX connection_logs_user_idx ON connection_logs (user_id, started_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX connection_logs_open_idx ON connection_logs (replica_id) WHERE ended_at IS NULL;
