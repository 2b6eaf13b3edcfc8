-- Deployment-wide settings that every replica shares, starting with the deployment id.
CREATE TABLE site_configs (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO site_configs (key, value) VALUES ('deployment_id', gen_random_uuid()::text);
