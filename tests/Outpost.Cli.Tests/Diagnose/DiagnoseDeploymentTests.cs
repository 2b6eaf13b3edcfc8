using System.Net.Http.Json;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Testing;
using Xunit.Abstractions;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary>
/// Issue 24, <c>outpost diagnose --deployment</c> end to end: the real server, a real <c>outpost provisionerd</c> process
/// that serves only <c>local</c>, and a real <c>outpost templates push</c> whose import waits for a <c>terraform</c> daemon.
/// The CLI reads the server's clock (the fixture's fake clock is this machine's clock here), so the skew is measured
/// between the two and a second CLI whose clock is two minutes off sees it.
/// </summary>
public sealed class DiagnoseDeploymentTests(ClockedServerFixture server, ITestOutputHelper output) : IClassFixture<ClockedServerFixture>
{
    [Fact]
    public async Task A_job_waiting_for_a_provisioner_type_nobody_serves_gets_a_verdict_naming_the_type_and_the_fix()
    {
        using var cli = new TestCli { Time = server.Clock };
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var key = await cli.RunAsync("provisioner", "keys", "create", "local-only");
        Assert.True(key.ExitCode == 0, key.Stderr);
        var workspaces = Directory.CreateTempSubdirectory("outpost-diagnose-daemon-");
        var terraform = Directory.CreateTempSubdirectory("outpost-diagnose-tf-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(terraform.FullName, "main.tf"), "terraform {}\n");
            await using var daemon = OutpostProcess.Start(["provisionerd", "start", "--url", server.BaseAddress.ToString(), "--key", key.Stdout.Trim(),
                "--provisioners", "local", "--name", "local-only", "--workspaces-dir", workspaces.FullName]);
            await using var push = OutpostProcess.Start(["templates", "push", "waits-for-terraform", "--directory", terraform.FullName, "--yes"], cli.Environment);
            await push.WaitForLineAsync(l => l.Contains("Importing version", StringComparison.Ordinal));

            // The daemon's first acquire lands when it lands: read again until the server has heard from it.
            var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
            CliRun json;
            List<JsonElement> checks;
            do
            {
                json = await cli.RunAsync("diagnose", "--deployment", "--output", "json");
                checks = [.. JsonDocument.Parse(json.Stdout).RootElement.GetProperty("checks").EnumerateArray()];
            }
            while (!checks.Any(c => c.GetProperty("check").GetString() == "provisioner-daemons" && c.GetProperty("what").GetString()!.StartsWith("`local`: 1 daemon in contact (local-only)", StringComparison.Ordinal))
                && DateTimeOffset.UtcNow < deadline);

            Assert.True(json.ExitCode == ExitCodes.NeedsInvestigation, json.Stdout + json.Stderr);
            var waiting = Assert.Single(checks, c => c.GetProperty("check").GetString() == "waiting-jobs");
            Assert.Equal(("investigate", "provisioner"), (waiting.GetProperty("verdict").GetString(), waiting.GetProperty("side").GetString()));
            Assert.Equal("1 job waits for a `terraform` daemon (for 0 ms) and no daemon in contact serves `terraform`", waiting.GetProperty("what").GetString());
            Assert.StartsWith("start a daemon that serves `terraform` (`outpost provisionerd start --provisioners terraform`)", waiting.GetProperty("advice").GetString(), StringComparison.Ordinal);
            foreach (var expected in new[] { "server-health", "database-latency", "provisioner-daemons", "pubsub", "clock-skew", "access-url" })
            {
                Assert.Contains(checks, c => c.GetProperty("check").GetString() == expected && c.GetProperty("verdict").GetString() == "expected");
            }

            Assert.Single(checks, c => c.GetProperty("verdict").GetString() == "investigate");
            Assert.Equal("included", JsonDocument.Parse(json.Stdout).RootElement.GetProperty("server_part").GetString());

            var text = await cli.RunAsync("diagnose", "--deployment");
            output.WriteLine(text.Stdout);
            Assert.Equal(ExitCodes.NeedsInvestigation, text.ExitCode);
            Assert.StartsWith($"Deployment {server.BaseAddress.ToString().TrimEnd('/')} (outpost {BuildVersion.Version}), checked at ", text.Stdout, StringComparison.Ordinal);
            Assert.Contains("→ start a daemon that serves `terraform`", text.Stdout, StringComparison.Ordinal);
            Assert.EndsWith("1 check needs investigating.\n", text.Stdout, StringComparison.Ordinal);

            // A machine whose clock is two minutes behind the server's is told so.
            using var late = new TestCli { Time = new FakeTimeProvider(server.Clock.GetUtcNow().AddMinutes(-2)) };
            File.Copy(cli.SessionPath, EnsureDirectory(late.SessionPath));
            var skewed = await late.RunAsync("diagnose", "--deployment");
            Assert.Contains("this machine's clock is 120.0 s behind the server's", skewed.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            workspaces.Delete(recursive: true);
            terraform.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_member_gets_the_local_checks_and_is_told_the_servers_checks_need_an_owner_or_admin()
    {
        var login = await server.Client.PostAsJsonAsync("/api/v2/users/login",
            new LoginRequest { Email = ClockedServerFixture.OwnerEmail, Password = ClockedServerFixture.OwnerPassword }, OutpostJson.Options);
        var token = (await login.Content.ReadFromJsonAsync<LoginResponse>(OutpostJson.Options))!.AccessToken;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v2/users")
        {
            Content = JsonContent.Create(new CreateUserRequest { Email = "member@example.com", Username = "member", Password = "member-password-1" }, options: OutpostJson.Options),
        };
        create.Headers.Authorization = new("Bearer", token);
        using (var created = await server.Client.SendAsync(create))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", "member@example.com", "--password", "member-password-1")).ExitCode);
        var run = await cli.RunAsync("diagnose", "--deployment");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("The server's checks: missing: only owners and admins may read the server's checks (the server said: your role (member) may not read DeploymentConfig)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("server-health", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("from the server's Date header", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Nothing this machine could check needs investigating, but the server's checks are missing.\n", run.Stdout, StringComparison.Ordinal);

        var both = await cli.RunAsync("diagnose", "dev", "--deployment");
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        var none = await cli.RunAsync("diagnose");
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("name a workspace", none.Stderr, StringComparison.Ordinal);
    }

    private static string EnsureDirectory(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
