-- The workspace agent API: the time of the latest lifecycle state on the agent row, the agent's
-- logs (bounded per agent), the lifecycle history, and one row per control-plane connection.

ALTER TABLE workspace_agents ADD COLUMN lifecycle_changed_at timestamptz;
ALTER TABLE workspace_agents ADD COLUMN logs_length bigint NOT NULL DEFAULT 0;
ALTER TABLE workspace_agents ADD COLUMN logs_overflowed boolean NOT NULL DEFAULT false;

CREATE TABLE agent_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id   uuid NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    level      text NOT NULL CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
    source     text NOT NULL,
    output     text NOT NULL
);
CREATE INDEX agent_logs_agent_idx ON agent_logs (agent_id, id);

-- changed_at is the agent's clock (a change made while disconnected arrives late); received_at is the server's.
CREATE TABLE agent_lifecycle_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id    uuid NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    state       text NOT NULL,
    changed_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX agent_lifecycle_events_agent_idx ON agent_lifecycle_events (agent_id, changed_at);

-- One row per control-plane connection; the disconnect columns use the seed-001 taxonomy.
CREATE TABLE control_plane_sessions (
    id                   uuid PRIMARY KEY,
    agent_id             uuid NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    connected_at         timestamptz NOT NULL,
    ended_at             timestamptz,
    disconnect_reason    text,
    disconnect_initiator text,
    disconnect_detail    text
);
CREATE INDEX control_plane_sessions_agent_idx ON control_plane_sessions (agent_id, connected_at);
