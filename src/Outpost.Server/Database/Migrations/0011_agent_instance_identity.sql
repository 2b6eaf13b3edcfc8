-- Instance identity: the cloud instance an agent runs on (from the template), so a VM can trade its signed
-- identity document for the agent's token. Sub-agents (registered by an agent for, e.g., a dev container)
-- point at their parent, never carry an instance id, and go with it.
ALTER TABLE workspace_agents
    ADD COLUMN auth_instance_id text,
    ADD COLUMN parent_id uuid REFERENCES workspace_agents (id) ON DELETE CASCADE;
ALTER TABLE workspace_agents ADD CONSTRAINT workspace_agents_subagent_has_no_instance CHECK (parent_id IS NULL OR auth_instance_id IS NULL);
CREATE INDEX workspace_agents_instance_idx ON workspace_agents (auth_instance_id) WHERE auth_instance_id IS NOT NULL AND parent_id IS NULL;
CREATE INDEX workspace_agents_parent_idx ON workspace_agents (parent_id) WHERE parent_id IS NOT NULL;
-- An agent's name is unique within its build, sub-agents included (they are addressed as <workspace>.<agent>).
CREATE UNIQUE INDEX workspace_agents_build_name_key ON workspace_agents (build_id, name);
