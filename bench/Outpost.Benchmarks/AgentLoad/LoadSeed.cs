using Npgsql;

namespace Outpost.Benchmarks.AgentLoad;

/// <summary>N workspaces with one agent each, written in a few set-based statements (token i is <see cref="Token"/>).</summary>
internal static class LoadSeed
{
    public static string Token(int index) => $"load-agent-token-{index}";

    public static async Task CreateAgentsAsync(string connectionString, int count)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // Several statements in one command cannot take parameters; the count is a formatted integer.
        await using var command = dataSource.CreateCommand($$"""
            INSERT INTO users (id, email, username, role, password_hash, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-00000000000a', 'load@example.com', 'load', 'member', 'x', now(), now());
            INSERT INTO files (hash, data, created_at) VALUES (repeat('ab', 32), '\x01', now());
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at, started_at, completed_at)
            VALUES ('00000000-0000-0000-0000-00000000000b', 'template_version_import', 'local', repeat('ab', 32), now(), now(), now(), now());
            INSERT INTO templates (id, name, created_at, updated_at) VALUES ('00000000-0000-0000-0000-00000000000c', 'load', now(), now());
            INSERT INTO template_versions (id, template_id, name, file_hash, job_id, created_at)
            VALUES ('00000000-0000-0000-0000-00000000000d', '00000000-0000-0000-0000-00000000000c', 'v1', repeat('ab', 32), '00000000-0000-0000-0000-00000000000b', now());

            CREATE TEMP TABLE load_ids AS
            SELECT i, gen_random_uuid() AS workspace, gen_random_uuid() AS job, gen_random_uuid() AS build, gen_random_uuid() AS resource, gen_random_uuid() AS agent
            FROM generate_series(0, {{count - 1}}) AS i;

            INSERT INTO workspaces (id, owner_id, template_id, name, created_at, updated_at)
            SELECT workspace, '00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000c', 'ws-' || i, now(), now() FROM load_ids;
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at, started_at, completed_at)
            SELECT job, 'workspace_build', 'local', repeat('ab', 32), now(), now(), now(), now() FROM load_ids;
            INSERT INTO workspace_builds (id, workspace_id, template_version_id, build_number, transition, reason, job_id, created_at)
            SELECT build, workspace, '00000000-0000-0000-0000-00000000000d', 1, 'start', 'initiator', job, now() FROM load_ids;
            INSERT INTO workspace_resources (id, job_id, name, type, created_at) SELECT resource, job, 'main', 'local_process', now() FROM load_ids;
            INSERT INTO workspace_agents (id, build_id, resource_id, name, operating_system, architecture, auth_token_hash, created_at)
            SELECT agent, build, resource, 'main', 'linux', 'amd64', sha256(convert_to('load-agent-token-' || i, 'UTF8')), now() FROM load_ids;
            """);
        await command.ExecuteNonQueryAsync();
    }
}
