-- Files, templates and their versions, workspaces and builds, the provisioner job queue with its
-- logs, the provisioner's private state per build, resources and agents, and provisioner keys.

-- Uploaded tar archives, content-addressed: the same bytes are stored once.
CREATE TABLE files (
    hash       text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    data       bytea NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);

-- The queue. job_status follows coder-spec §6 exactly (order matters); "error non-empty" means
-- error IS NOT NULL AND error <> ''.
CREATE TABLE provisioner_jobs (
    id           uuid PRIMARY KEY,
    type         text NOT NULL CHECK (type IN ('workspace_build', 'template_version_import')),
    provisioner  text NOT NULL,
    file_hash    text NOT NULL REFERENCES files (hash),
    initiator_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Prebuild jobs wait behind every job a person is waiting for.
    prebuild     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    started_at   timestamptz,
    canceled_at  timestamptz,
    completed_at timestamptz,
    error        text,
    error_code   text,
    worker_name  text,
    worker_key   text,
    job_status   text GENERATED ALWAYS AS (
        CASE
            WHEN completed_at IS NOT NULL THEN
                CASE
                    WHEN error IS NOT NULL AND error <> '' THEN 'failed'
                    WHEN canceled_at IS NOT NULL THEN 'canceled'
                    ELSE 'succeeded'
                END
            WHEN error IS NOT NULL AND error <> '' THEN 'failed'
            WHEN canceled_at IS NOT NULL THEN 'canceling'
            WHEN started_at IS NULL THEN 'pending'
            ELSE 'running'
        END) STORED
);
-- The claim query's order: human jobs first, then oldest first, among unclaimed jobs only.
CREATE INDEX provisioner_jobs_queue_idx ON provisioner_jobs (prebuild, created_at) WHERE started_at IS NULL AND completed_at IS NULL;
CREATE INDEX provisioner_jobs_unfinished_idx ON provisioner_jobs (updated_at) WHERE completed_at IS NULL;

CREATE TABLE provisioner_job_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     uuid NOT NULL REFERENCES provisioner_jobs (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    level      text NOT NULL CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
    source     text NOT NULL CHECK (source IN ('provisioner_daemon', 'provisioner')),
    stage      text NOT NULL DEFAULT '',
    output     text NOT NULL
);
CREATE INDEX provisioner_job_logs_job_idx ON provisioner_job_logs (job_id, id);

CREATE TABLE templates (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    description       text NOT NULL DEFAULT '',
    provisioner       text NOT NULL DEFAULT 'local',
    active_version_id uuid,
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX templates_name_key ON templates (lower(name));

-- parameters and resources are what the import job found (the SDK's wire shapes, as JSON).
CREATE TABLE template_versions (
    id          uuid PRIMARY KEY,
    template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    name        text NOT NULL,
    file_hash   text NOT NULL REFERENCES files (hash),
    job_id      uuid NOT NULL UNIQUE REFERENCES provisioner_jobs (id),
    readme      text NOT NULL DEFAULT '',
    parameters  jsonb NOT NULL DEFAULT '[]',
    resources   jsonb NOT NULL DEFAULT '[]',
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX template_versions_name_key ON template_versions (template_id, name);
ALTER TABLE templates ADD CONSTRAINT templates_active_version_fk FOREIGN KEY (active_version_id) REFERENCES template_versions (id);

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id uuid NOT NULL REFERENCES templates (id),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    -- Set by a successful delete build; the name may then be reused.
    deleted     boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX workspaces_owner_name_key ON workspaces (owner_id, lower(name)) WHERE NOT deleted;
CREATE INDEX workspaces_list_idx ON workspaces (created_at, id) WHERE NOT deleted;

CREATE TABLE workspace_builds (
    id                  uuid PRIMARY KEY,
    workspace_id        uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    template_version_id uuid NOT NULL REFERENCES template_versions (id),
    build_number        integer NOT NULL CHECK (build_number > 0),
    transition          text NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
    reason              text NOT NULL,
    initiator_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    job_id              uuid NOT NULL UNIQUE REFERENCES provisioner_jobs (id),
    parameters          jsonb NOT NULL DEFAULT '[]',
    created_at          timestamptz NOT NULL,
    UNIQUE (workspace_id, build_number)
);

-- The provisioner's private state, read only when a job needs it (never by listings).
CREATE TABLE provisioner_states (
    build_id uuid PRIMARY KEY REFERENCES workspace_builds (id) ON DELETE CASCADE,
    state    bytea NOT NULL
);

CREATE TABLE workspace_resources (
    id         uuid PRIMARY KEY,
    job_id     uuid NOT NULL REFERENCES provisioner_jobs (id) ON DELETE CASCADE,
    name       text NOT NULL,
    type       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX workspace_resources_job_idx ON workspace_resources (job_id);

-- Only SHA-256 of an agent's token is stored; the agent API looks agents up by it.
CREATE TABLE workspace_agents (
    id                         uuid PRIMARY KEY,
    build_id                   uuid NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    resource_id                uuid NOT NULL REFERENCES workspace_resources (id) ON DELETE CASCADE,
    name                       text NOT NULL,
    directory                  text NOT NULL DEFAULT '',
    operating_system           text NOT NULL,
    architecture               text NOT NULL,
    environment_variables      jsonb,
    scripts                    jsonb NOT NULL DEFAULT '[]',
    apps                       jsonb NOT NULL DEFAULT '[]',
    connection_timeout_seconds integer NOT NULL DEFAULT 0,
    auth_token_hash            bytea,
    lifecycle_state            text NOT NULL DEFAULT 'created',
    first_connected_at         timestamptz,
    last_connected_at          timestamptz,
    disconnected_at            timestamptz,
    created_at                 timestamptz NOT NULL
);
CREATE INDEX workspace_agents_build_idx ON workspace_agents (build_id);
CREATE UNIQUE INDEX workspace_agents_token_key ON workspace_agents (auth_token_hash) WHERE auth_token_hash IS NOT NULL;

-- Keys "<id>-<secret>" that provisioner daemons authenticate with; only SHA-256(secret) is stored.
CREATE TABLE provisioner_keys (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    hashed_secret bytea NOT NULL,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX provisioner_keys_name_key ON provisioner_keys (lower(name));
