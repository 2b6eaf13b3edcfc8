-- An agent's merged environment can hold secret-derived values a template put there (docs/secrets.md),
-- so it is stored as an AES-256-GCM envelope like user secrets and provisioner state, decrypted only
-- when the agent fetches its manifest. environment_variables stays for rows written before this
-- migration: the server encrypts them into environment_ciphertext at start and clears them there.
ALTER TABLE workspace_agents ADD COLUMN environment_ciphertext bytea;
