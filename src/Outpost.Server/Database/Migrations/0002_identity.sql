-- Users, login sessions (refresh-token families) and every kind of API key.
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    username      text NOT NULL,
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('owner', 'admin', 'template-admin', 'member')),
    password_hash text NOT NULL,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- A login session is one refresh-token family: every access and refresh token minted from one
-- password login belongs to it, and revoking it (logout, or refresh-token reuse) ends them all.
CREATE TABLE user_sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('logout', 'refresh_token_reuse', 'user_deleted'))
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id);

-- Tokens are "<id>-<secret>"; only SHA-256(secret) is stored.
CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    hashed_secret bytea NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('access', 'refresh', 'token')),
    session_id    uuid REFERENCES user_sessions (id) ON DELETE CASCADE,
    token_name    text,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    used_at       timestamptz,
    revoked_at    timestamptz,
    CHECK ((kind = 'token') = (session_id IS NULL)),
    CHECK ((kind = 'token') = (token_name IS NOT NULL))
);
CREATE INDEX api_keys_session_id_idx ON api_keys (session_id);
CREATE UNIQUE INDEX api_keys_token_name_key ON api_keys (user_id, lower(token_name)) WHERE kind = 'token' AND revoked_at IS NULL;
