-- Prebuilt workspaces (docs/prebuilds.md). System users own internal work and never sign in; user
-- lists, counts and the first-user check skip them. The prebuilds user (coder-spec §4's id) owns
-- and initiates every prebuilt workspace until a user claims it.
ALTER TABLE users ADD COLUMN is_system boolean NOT NULL DEFAULT false;
INSERT INTO users (id, email, username, name, role, password_hash, status, created_at, updated_at, is_system)
VALUES ('c42fdf75-3097-471c-8c33-fb52454d81c0', 'prebuilds@system.outpost.invalid', 'prebuilds', 'Prebuilds', 'member', '', 'active', now(), now(), true);

-- A build records the preset it was made with and its place in a prebuild's life: 'create' (the
-- prebuild's first build) or 'claim' (the build that hands it to the user who claimed it).
ALTER TABLE workspace_builds
    ADD COLUMN preset_name text,
    ADD COLUMN prebuild_stage text CHECK (prebuild_stage IN ('create', 'claim'));

-- The reconciler and claims look prebuilt workspaces up by owner.
CREATE INDEX workspaces_owner_idx ON workspaces (owner_id) WHERE NOT deleted;
