using System.Text;
using Npgsql;
using Outpost.Agent.Transport;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Secrets;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Secrets;

/// <summary>
/// An agent's merged environment (where a template may have put secret-derived values) is stored
/// only as an envelope, reaches only the agent through its manifest, and follows key rotation.
/// </summary>
public sealed class AgentEnvironmentAtRestTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private readonly string _canary = "env-canary-" + Guid.NewGuid().ToString("N");

    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task An_agents_environment_is_stored_only_encrypted_and_only_its_manifest_returns_it()
    {
        var (workspaceId, agentId, token) = await BuildAgentAsync("env-at-rest");

        var (plaintext, envelope) = await StoredAsync(agentId);
        Assert.Null(plaintext);
        Assert.NotNull(envelope);
        Assert.StartsWith("OPS1", Encoding.Latin1.GetString(envelope), StringComparison.Ordinal);
        Assert.Equal(fixture.Service<SecretsKeyRing>().Current.Id, SecretProtector.KeyIdOf(envelope));
        Assert.DoesNotContain(_canary, Encoding.Latin1.GetString(envelope), StringComparison.Ordinal);

        // Every user-facing answer about the workspace and its agent leaves the environment out.
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        foreach (var path in new[]
        {
            $"/api/v2/workspaces/{workspaceId}", $"/api/v2/workspaces/{workspaceId}/agents", $"/api/v2/workspaceagents/{agentId}",
            $"/api/v2/workspaces/{workspaceId}/builds", "/api/v2/workspaces",
        })
        {
            using var response = await api.SendAsync(HttpMethod.Get, path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, path + ": " + body);
            Assert.DoesNotContain(_canary, body, StringComparison.Ordinal);
            Assert.DoesNotContain("GITHUB_TOKEN", body, StringComparison.Ordinal);
        }

        using var transport = new HttpAgentTransport(fixture.BaseAddress, token);
        var manifest = (await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value!;
        Assert.Equal(_canary, manifest.Environment["GITHUB_TOKEN"]);
        // The merge happened before encryption: extra entries by strategy, the agent's own env winning.
        Assert.Equal("/z:/a", manifest.Environment["SEARCH"]);
        Assert.Equal("/agent", manifest.Environment["PATH"]);
    }

    [Fact]
    public async Task A_rotation_re_encrypts_agent_environments_and_plaintext_ones_from_before_are_encrypted()
    {
        var (_, agentId, token) = await BuildAgentAsync("env-rotated");
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var keys = fixture.Service<SecretsKeyRing>();
        var next = new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), [keys.Current]));

        var counts = await SecretsKeyRotation.ReencryptAsync(dataSource, next, CancellationToken.None).WithTimeout();
        var rotated = (await StoredAsync(agentId)).Envelope!;
        // Rotated back, so the fixture's server (which has only its own key) still reads every row.
        await SecretsKeyRotation.ReencryptAsync(dataSource, new SecretProtector(new SecretsKeyRing(keys.Current, [next.Keys.Current])), CancellationToken.None).WithTimeout();

        Assert.True(counts.AgentEnvironments >= 1);
        Assert.Equal(next.Keys.Current.Id, SecretProtector.KeyIdOf(rotated));
        Assert.Equal(_canary, AgentEnvironments.Unprotect(next, agentId, rotated, null)["GITHUB_TOKEN"]);
        // An envelope is bound to its agent: copied to another row it does not open.
        Assert.Throws<SecretDecryptionException>(() => AgentEnvironments.Unprotect(next, Guid.NewGuid(), rotated, null));

        // A row an earlier version wrote in plaintext is still served, then encrypted by the start-up pass.
        await ExecuteAsync("UPDATE workspace_agents SET environment_ciphertext = NULL, environment_variables = $2 WHERE id = $1",
            agentId, new NpgsqlParameter { Value = $$"""{"LEGACY":"{{_canary}}"}""", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        using var transport = new HttpAgentTransport(fixture.BaseAddress, token);
        Assert.Equal(_canary, (await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value!.Environment["LEGACY"]);

        var encrypted = await AgentEnvironments.EncryptPlaintextAsync(dataSource, new SecretProtector(keys), CancellationToken.None).WithTimeout();

        Assert.True(encrypted >= 1);
        var (plaintext, envelope) = await StoredAsync(agentId);
        Assert.Null(plaintext);
        Assert.DoesNotContain(_canary, Encoding.Latin1.GetString(envelope!), StringComparison.Ordinal);
        Assert.Equal(_canary, (await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value!.Environment["LEGACY"]);
    }

    /// <summary>A workspace whose start build recorded one agent with a secret-derived variable; its id, the agent's and the agent's token.</summary>
    private async Task<(Guid WorkspaceId, Guid AgentId, string Token)> BuildAgentAsync(string name)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await Daemon.DrainAsync();
        await api.ReadyTemplateAsync(Daemon, name);
        var workspace = await api.CreateWorkspaceAsync(name, name);
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var token = "agent-token-" + Guid.NewGuid().ToString("N");
        await Daemon.CompleteBuildAsync(job, [1], new ProvisionedResource
        {
            Name = "workspace",
            Type = "terraform_data",
            Agents = [new ProvisionedAgent
            {
                Name = "main",
                Env = new Dictionary<string, string> { ["GITHUB_TOKEN"] = _canary, ["PATH"] = "/agent" },
                ExtraEnvs =
                [
                    new ExtraEnvEntry { Name = "PATH", Value = "/usr/bin" },
                    new ExtraEnvEntry { Name = "SEARCH", Value = "/a" },
                    new ExtraEnvEntry { Name = "SEARCH", Value = "/z", MergeStrategy = EnvMergeStrategy.Prepend },
                ],
                AuthToken = token,
            }],
        });
        var agents = await AgentIdsAsync(workspace.Id);
        return (workspace.Id, Assert.Single(agents), token);
    }

    private async Task<List<Guid>> AgentIdsAsync(Guid workspaceId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT a.id FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id WHERE b.workspace_id = $1", connection)
        {
            Parameters = { new() { Value = workspaceId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private async Task<(string? Plaintext, byte[]? Envelope)> StoredAsync(Guid agentId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT environment_variables::text, environment_ciphertext FROM workspace_agents WHERE id = $1", connection)
        {
            Parameters = { new() { Value = agentId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1));
    }

    private async Task ExecuteAsync(string sql, Guid id, NpgsqlParameter value)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id }, value } };
        await command.ExecuteNonQueryAsync();
    }
}
