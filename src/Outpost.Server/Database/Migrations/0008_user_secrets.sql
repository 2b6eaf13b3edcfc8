-- User secrets (issue 18, docs/secrets.md): the value only as an AES-256-GCM envelope that names
-- its key (value_key_id repeats it so a rotation finds what is left to re-encrypt); value_size is
-- the plaintext's UTF-8 length, for the build-time size budget without decrypting.
CREATE TABLE user_secrets (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    env_name         text NOT NULL DEFAULT '',
    file_path        text NOT NULL DEFAULT '',
    value_ciphertext bytea NOT NULL,
    value_key_id     text NOT NULL,
    value_size       integer NOT NULL CHECK (value_size >= 0),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX user_secrets_name_key ON user_secrets (user_id, name);
CREATE UNIQUE INDEX user_secrets_env_key ON user_secrets (user_id, env_name) WHERE env_name <> '';
CREATE UNIQUE INDEX user_secrets_file_key ON user_secrets (user_id, file_path) WHERE file_path <> '';
