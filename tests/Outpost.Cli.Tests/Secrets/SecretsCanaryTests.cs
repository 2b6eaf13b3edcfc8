using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Secrets;

/// <summary>
/// Issue 18's end-to-end and "never leaked" checks through the real CLI, server, built-in daemons,
/// terraform, provider and agents: a secret with a unique value reaches a workspace's environment
/// and a file through both provisioners, and through the agent's manifest when a template puts it in
/// <c>outpost_agent.env</c>; a stop after the secret was deleted succeeds; a build that fails at plan
/// with the secret in its environment, and one whose apply fails after the value was baked into its
/// state, leave nothing in plaintext on disk; then every log line, the CLI's
/// telemetry files, every job's logs and errors through the API, every row of the database and
/// every file of the data directory are scanned: the value appears only encrypted.
/// </summary>
public sealed class SecretsCanaryTests(SecretsCanaryFixture server) : IClassFixture<SecretsCanaryFixture>, IDisposable
{
    private static readonly string Templates = Path.Join(AppContext.BaseDirectory, "Secrets", "Templates");

    private readonly string _canary = "canary-" + Guid.NewGuid().ToString("N");
    private readonly List<Guid> _workspaces = [];

    [Fact]
    public async Task A_secret_reaches_workspaces_through_both_provisioners_and_its_value_is_found_nowhere_unencrypted()
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(4) };
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        foreach (var template in new[] { "local", "terraform", "terraform-missing", "terraform-apply-fails" })
        {
            var push = await cli.RunAsync("templates", "push", $"secrets-{template}", "--directory", Path.Join(Templates, template), "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
        }

        cli.Stdin = _canary + "\n";
        var created = await cli.RunAsync("secrets", "create", "canary", "--env", "CANARY_TOKEN", "--file", "~/.canary/file");
        Assert.True(created.ExitCode == 0, created.Stderr);
        // A second secret with the same value stays to the end, so the database scan meets its ciphertext.
        cli.Stdin = _canary;
        Assert.Equal(0, (await cli.RunAsync("secrets", "create", "canary-kept", "--env", "CANARY_KEPT")).ExitCode);
        cli.Stdin = null;

        var delivered = new List<string>();
        foreach (var template in new[] { "local", "terraform" })
        {
            var name = $"canary-{template}";
            var create = await cli.RunAsync("create", name, "--template", $"secrets-{template}", "--yes", "--wait");
            Assert.True(create.ExitCode == 0, create.Stdout + create.Stderr);
            var workspace = await WorkspaceIdAsync(name);
            _workspaces.Add(workspace);
            var home = template == "local"
                ? Path.Join(server.DataDirectory, "workspaces", workspace.ToString("D"))
                : Path.Join(server.DataDirectory, "workspaces", "terraform", workspace.ToString("D"), "home");

            // The environment (through the startup script, which inherits the agent's) and the file.
            Assert.Equal(_canary, await File.ReadAllTextAsync(await WaitForFileAsync(Path.Join(home, "env-secret.txt"))));
            var file = Path.Join(home, ".canary", "file");
            Assert.Equal(_canary, await File.ReadAllTextAsync(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            // While the workspaces run, only the files they were given hold the value.
            delivered.AddRange([Path.Join(home, "env-secret.txt"), file]);
            if (template == "terraform")
            {
                // outpost_agent.env: stored encrypted, opened for the agent's manifest, inherited by its script.
                Assert.Equal(_canary, await File.ReadAllTextAsync(Path.Join(home, "env-manifest.txt")));
                delivered.Add(Path.Join(home, "env-manifest.txt"));
            }

            ScanDirectory(server.DataDirectory, except: delivered);
        }

        var failing = await cli.RunAsync("create", "canary-failing", "--template", "secrets-terraform-missing", "--yes", "--wait");
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Contains("Missing required secret: environment variable \"NOBODY_HAS_THIS\"", failing.Stdout + failing.Stderr, StringComparison.Ordinal);
        _workspaces.Add(await WorkspaceIdAsync("canary-failing"));

        // An apply that fails after creating a resource holding the value: the state it left (which
        // holds the value) went to the server with the failure; nothing of it stays in the working directory.
        var applyFails = await cli.RunAsync("create", "canary-apply-fails", "--template", "secrets-terraform-apply-fails", "--yes", "--wait");
        Assert.NotEqual(0, applyFails.ExitCode);
        Assert.Contains("failing on purpose", applyFails.Stdout + applyFails.Stderr, StringComparison.Ordinal);
        var halfApplied = await WorkspaceIdAsync("canary-apply-fails");
        _workspaces.Add(halfApplied);
        var workingDirectory = Path.Join(server.DataDirectory, "workspaces", "terraform", halfApplied.ToString("D"));
        Assert.True(Directory.Exists(workingDirectory), workingDirectory);
        Assert.DoesNotContain(Directory.GetFiles(workingDirectory).Select(Path.GetFileName),
            name => name!.Contains("tfstate", StringComparison.Ordinal) || name.EndsWith(".tfplan", StringComparison.Ordinal));
        ScanDirectory(server.DataDirectory, except: delivered);
        var leftState = await FailedBuildStateAsync(halfApplied);
        Assert.StartsWith("OPS1", Encoding.Latin1.GetString(leftState), StringComparison.Ordinal);

        // Deleting the secret never makes a workspace unstoppable: stop builds carry no secrets.
        Assert.Equal(0, (await cli.RunAsync("secrets", "delete", "canary")).ExitCode);
        foreach (var template in new[] { "local", "terraform" })
        {
            var stop = await cli.RunAsync("stop", $"canary-{template}", "--yes", "--wait");
            Assert.True(stop.ExitCode == 0, stop.Stdout + stop.Stderr);
        }

        var logs = new StringBuilder();
        foreach (var workspace in _workspaces)
        {
            logs.Append(await BuildLogsAsync(workspace));
        }

        foreach (var name in new[] { "canary-local", "canary-terraform", "canary-failing", "canary-apply-fails" })
        {
            var delete = await cli.RunAsync("delete", name, "--yes", "--wait");
            Assert.True(delete.ExitCode == 0, delete.Stdout + delete.Stderr);
        }

        foreach (var workspace in _workspaces)
        {
            logs.Append(await BuildLogsAsync(workspace));
        }

        Assert.Contains("Missing required secret", logs.ToString(), StringComparison.Ordinal);
        AssertNoCanary("job logs and results through the API", logs.ToString());
        AssertNoCanary("server and daemon logs", string.Join('\n', server.Logs));
        Assert.NotEmpty(server.Logs);
        foreach (var telemetry in Directory.EnumerateFiles(cli.TelemetryDirectory, "*", SearchOption.AllDirectories))
        {
            AssertNoCanary(telemetry, await File.ReadAllTextAsync(telemetry));
        }

        var dump = await DumpDatabaseAsync();
        AssertNoCanary("the database", dump);
        // The kept secret, the terraform start's state, the failed apply's state and the agent
        // environments (all of which hold the value) are there, as envelopes ("OPS1").
        Assert.True(dump.Split("\\x4f505331").Length >= 5, "expected the secret, two provisioner states and the agent environments as encrypted envelopes");
        Assert.Equal((0L, 0L), await AgentEnvironmentsAsync());
        ScanDirectory(server.DataDirectory, except: []);
    }

    /// <summary>A run that failed half-way leaves agents running: every process working inside the server's data directory is killed.</summary>
    public void Dispose()
    {
        foreach (var process in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(name => int.TryParse(name, out _)))
        {
            try
            {
                if (new DirectoryInfo($"/proc/{process}/cwd").LinkTarget is { } cwd && cwd.StartsWith(server.DataDirectory, StringComparison.Ordinal))
                {
                    Provisioner.Local.NativeProcess.Signal(int.Parse(process!, System.Globalization.CultureInfo.InvariantCulture), Provisioner.Local.NativeProcess.SigKill);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }
    }

    private void AssertNoCanary(string where, string text)
    {
        var hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(_canary));
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(_canary));
        foreach (var form in new[] { _canary, hex, base64 })
        {
            Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"the secret's value ({(form == _canary ? "plain" : form == hex ? "hex" : "base64")}) is in {where}");
        }
    }

    private void ScanDirectory(string root, IReadOnlyList<string> except)
    {
        foreach (var path in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false }))
        {
            if (except.Contains(path) || new FileInfo(path).LinkTarget is not null || path.Contains($"{Path.DirectorySeparatorChar}.mirror{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            AssertNoCanary(path, Encoding.Latin1.GetString(File.ReadAllBytes(path)));
        }
    }

    /// <summary>The provisioner state stored for the workspace's failed start build.</summary>
    private async Task<byte[]> FailedBuildStateAsync(Guid workspace)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("""
            SELECT s.state FROM provisioner_states s JOIN workspace_builds b ON b.id = s.build_id JOIN provisioner_jobs j ON j.id = b.job_id
            WHERE b.workspace_id = $1 AND b.transition = 'start' AND j.job_status = 'failed'
            """, connection) { Parameters = { new() { Value = workspace } } };
        return Assert.IsType<byte[]>(await select.ExecuteScalarAsync());
    }

    /// <summary>Agents whose environment is stored in plaintext, and those with an environment that is not an envelope.</summary>
    private async Task<(long Plaintext, long NotEnvelopes)> AgentEnvironmentsAsync()
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE environment_variables IS NOT NULL),
                   count(*) FILTER (WHERE environment_ciphertext IS NOT NULL AND substring(environment_ciphertext FROM 1 FOR 4) <> 'OPS1'::bytea)
            FROM workspace_agents
            """, connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every row of every table of the test database, as text (bytea as hex).</summary>
    private async Task<string> DumpDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("public.user_secrets", tables);
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dump.AppendLine(reader.GetString(0));
            }
        }

        return dump.ToString();
    }

    private async Task<Guid> WorkspaceIdAsync(string name)
    {
        using var response = await SendAsync($"/api/v2/users/{ClockedServerFixture.OwnerUsername}/workspace/{name}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Every build of the workspace (with its job's error) and each build's log, as the API answers them.</summary>
    private async Task<string> BuildLogsAsync(Guid workspace)
    {
        var text = new StringBuilder();
        using var builds = await SendAsync($"/api/v2/workspaces/{workspace}/builds");
        var body = await builds.Content.ReadAsStringAsync();
        text.AppendLine(body);
        if (!builds.IsSuccessStatusCode)
        {
            return text.ToString();
        }

        using var json = JsonDocument.Parse(body);
        foreach (var build in json.RootElement.EnumerateArray())
        {
            using var logs = await SendAsync($"/api/v2/workspacebuilds/{build.GetProperty("id").GetGuid()}/logs");
            text.AppendLine(await logs.Content.ReadAsStringAsync());
        }

        return text.ToString();
    }

    private async Task<HttpResponseMessage> SendAsync(string path)
    {
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/v2/users/login")
        {
            Content = new StringContent($$"""{"email":"{{ClockedServerFixture.OwnerEmail}}","password":"{{ClockedServerFixture.OwnerPassword}}"}""", Encoding.UTF8, "application/json"),
        };
        using var signedIn = await server.Client.SendAsync(login).WithTimeout();
        var token = JsonDocument.Parse(await signedIn.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Client.SendAsync(request).WithTimeout();
    }

    private static async Task<string> WaitForFileAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => created.TrySetResult();
        watcher.Renamed += (_, _) => created.TrySetResult();
        if (!File.Exists(path))
        {
            await created.Task.WithTimeout(TimeSpan.FromMinutes(2));
        }

        return path;
    }
}
