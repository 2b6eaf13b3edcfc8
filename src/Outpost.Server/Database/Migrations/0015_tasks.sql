-- AI tasks (issue 22, docs/tasks.md): a task is a prompt and the workspace its coding agent works
-- in, created in one transaction with the workspace. Its status is derived from the workspace's
-- latest build and the last report of its agent; a report counts only for the build it was made
-- in (agent_build_number), so a restarted workspace is "initializing" until its agent reports.
-- The task goes with its workspace: the delete build's completion deletes it (workspaces are soft
-- deleted), and the foreign keys cascade if a row is ever removed.
CREATE TABLE tasks (
    id                 uuid PRIMARY KEY,
    owner_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    prompt             text NOT NULL,
    -- The sequence of the newest message; bumped under the row lock so sequences have no gaps.
    last_sequence      bigint NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
    agent_status       text CHECK (agent_status IN ('working', 'idle', 'completed', 'failed', 'stopped')),
    agent_reason       text,
    agent_build_number integer,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX tasks_workspace_key ON tasks (workspace_id);
CREATE INDEX tasks_owner_idx ON tasks (owner_id, created_at DESC);

-- Messages in their task's order: sequence runs 1, 2, 3… per task without gaps. inbox_event marks
-- the entries the task agent's inbox delivers as events other than user messages ('stop').
CREATE TABLE task_messages (
    task_id     uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    sequence    bigint NOT NULL CHECK (sequence > 0),
    kind        text NOT NULL CHECK (kind IN ('user', 'assistant', 'tool_call', 'tool_result', 'status')),
    content     text NOT NULL,
    tool_name   text,
    inbox_event text CHECK (inbox_event IN ('stop')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (task_id, sequence)
);

-- AI seats (coder-spec §9): one row per user who used an AI feature. first_used_at never changes;
-- the rest is rewritten at most once per debounce window (the upsert's WHERE is the DB-side guard).
CREATE TABLE ai_seat_state (
    user_id                uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    first_used_at          timestamptz NOT NULL,
    last_used_at           timestamptz NOT NULL,
    last_event_type        text NOT NULL CHECK (last_event_type IN ('task', 'aibridge')),
    last_event_description text NOT NULL,
    updated_at             timestamptz NOT NULL
);
