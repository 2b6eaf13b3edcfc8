-- Provisioner daemons as the server last heard from them (issue 24, docs/diagnose.md): one row per
-- daemon, named by the key it presents and the name it gives, with the provisioner types it asked
-- jobs for and when it was first and last in contact. ProvisionerDaemonStore writes a row at most
-- once per daemon per write interval (an acquire, a job update or a completion counts as contact),
-- never once per request. Built-in daemons use the process's internal key, which has no row in
-- provisioner_keys, so there is no foreign key.
CREATE TABLE provisioner_daemons (
    key_id       text NOT NULL,
    name         text NOT NULL,
    key_name     text NOT NULL,
    provisioners text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (key_id, name)
);
CREATE INDEX provisioner_daemons_seen_idx ON provisioner_daemons (last_seen_at);
