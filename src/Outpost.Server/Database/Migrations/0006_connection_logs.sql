-- "Session" means a login session only. The agent's control-plane connections become rows of a
-- connection log, which the session relay also writes: one row per connection, with its type.
-- Every row so far is a control-plane connection.
ALTER TABLE control_plane_sessions RENAME TO connection_logs;
ALTER TABLE connection_logs RENAME CONSTRAINT control_plane_sessions_pkey TO connection_logs_pkey;
ALTER TABLE connection_logs RENAME CONSTRAINT control_plane_sessions_agent_id_fkey TO connection_logs_agent_id_fkey;
ALTER INDEX control_plane_sessions_agent_idx RENAME TO connection_logs_agent_idx;
ALTER TABLE connection_logs ADD COLUMN type text NOT NULL DEFAULT 'control_plane';
-- New rows name their type.
ALTER TABLE connection_logs ALTER COLUMN type DROP DEFAULT;
