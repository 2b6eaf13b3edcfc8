using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk.Client;
using Outpost.Testing;
using Xunit.Abstractions;

namespace Outpost.Cli.Tests.Prebuilds;

/// <summary>
/// Issue 20's end-to-end run on the real server, daemons, agents and CLI: a preset with two
/// instances fills, <c>outpost create --preset</c> claims one faster than a normal create, the agent
/// reinitialises as the new owner, and the pool refills.
/// </summary>
public sealed class PrebuildsEndToEndTests(PrebuildsLocalFixture server, ITestOutputHelper output) : IClassFixture<PrebuildsLocalFixture>, IDisposable
{
    // The startup script does its expensive preparation (a clone, say) once per workspace directory,
    // and records who it ran for: a prebuild prepares before anyone asks.
    private const string Template = """
        name: pool
        parameters:
          - name: size
            default: small
            options: [small, large]
        agents:
          - name: main
            startup_script: |
              set -eu
              if [ ! -f .prepared ]; then sleep 4; touch .prepared; fi
              echo "owner=${OUTPOST_WORKSPACE_OWNER}" >> owners.txt
            startup_script_timeout: 60s
        presets:
          - name: fast
            parameters:
              size: small
            prebuilds:
              instances: 2
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-prebuild-template-").FullName;

    /// <summary>A token of the owner for the watch; each test names its own (the class's tests share the server).</summary>
    private static async Task<string> OwnerTokenAsync(TestCli cli, string name = "e2e-watch")
    {
        var token = await cli.RunAsync("tokens", "create", "--name", name);
        Assert.True(token.ExitCode == 0, token.Stderr);
        return token.Stdout.Trim();
    }

    /// <summary>Re-reads the pool after every workspace change (watch-all) until <paramref name="done"/> holds.</summary>
    private async Task<JsonElement> WaitForPoolAsync(TestCli cli, string token, Func<JsonElement, bool> done, string template = "pool")
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var any = (JsonTypeInfo<JsonElement>)JsonSerializerOptions.Default.GetTypeInfo(typeof(JsonElement));
        var events = ServerSentEventsClient.ReadAsync(http, "api/v2/workspaces/watch-all", any, timeout.Token).GetAsyncEnumerator(timeout.Token);
        try
        {
            while (true)
            {
                var presets = await cli.RunAsync("templates", "presets", template, "--output", "json");
                Assert.True(presets.ExitCode == 0, presets.Stderr);
                var fast = JsonDocument.Parse(presets.Stdout).RootElement.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "fast");
                if (done(fast))
                {
                    return fast.Clone();
                }

                Assert.True(await events.MoveNextAsync(), "the watch ended before the pool was as expected");
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    private static int Running(JsonElement preset) => preset.TryGetProperty("running", out var running) ? running.GetInt32() : 0;

    private static int Eligible(JsonElement preset) => preset.TryGetProperty("eligible", out var eligible) ? eligible.GetInt32() : 0;

    private static int Building(JsonElement preset) => preset.TryGetProperty("building", out var building) ? building.GetInt32() : 0;

    private async Task<string> DirectoryOfAsync(TestCli cli, string workspace)
    {
        var shown = await cli.RunAsync("show", workspace, "--output", "json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        using var json = JsonDocument.Parse(shown.Stdout);
        var agent = json.RootElement.GetProperty("resources").EnumerateArray().Single().GetProperty("agents").EnumerateArray().Single();
        Assert.Equal("ready", agent.GetProperty("lifecycle_state").GetString());
        return agent.GetProperty("directory").GetString()!;
    }

    [Fact]
    public async Task A_preset_pool_fills_create_preset_claims_one_the_agent_reinitialises_as_the_new_owner_and_the_pool_refills()
    {
        using var cli = new TestCli();
        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);
        await File.WriteAllTextAsync(Path.Combine(_directory, "outpost.yaml"), Template);
        var push = await cli.RunAsync("templates", "push", "pool", "--directory", _directory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var token = await OwnerTokenAsync(cli);

        // Claimable once the prebuilds' agents are ready: their startup scripts have prepared them.
        var full = await WaitForPoolAsync(cli, token, p => Eligible(p) == 2);
        Assert.Equal(2, full.GetProperty("desired").GetInt32());

        var normalClock = Stopwatch.StartNew();
        var normal = await cli.RunAsync("create", "normal", "--template", "pool", "--yes");
        normalClock.Stop();
        Assert.True(normal.ExitCode == 0, normal.Stderr);

        var claimClock = Stopwatch.StartNew();
        var claimed = await cli.RunAsync("create", "claimed", "--template", "pool", "--preset", "fast", "--yes");
        claimClock.Stop();
        Assert.True(claimed.ExitCode == 0, claimed.Stderr);
        output.WriteLine($"normal create (build + agent ready): {normalClock.Elapsed.TotalSeconds:F2} s; create --preset (claim + reinit + agent ready): {claimClock.Elapsed.TotalSeconds:F2} s");
        Assert.True(claimClock.Elapsed < normalClock.Elapsed, $"claim {claimClock.Elapsed} was not faster than a normal create {normalClock.Elapsed}");

        // The claimed workspace's agent ran the startup script as the prebuilds user, then again as its new owner.
        var owners = await File.ReadAllLinesAsync(Path.Combine(await DirectoryOfAsync(cli, "claimed"), "owners.txt"));
        Assert.Equal(["owner=prebuilds", "owner=" + ClockedServerFixture.OwnerUsername], owners);
        Assert.Equal(["owner=" + ClockedServerFixture.OwnerUsername], await File.ReadAllLinesAsync(Path.Combine(await DirectoryOfAsync(cli, "normal"), "owners.txt")));

        // The reconciler replaces the claimed prebuild.
        var refilled = await WaitForPoolAsync(cli, token, p => Running(p) == 2 && Building(p) == 0);
        Assert.Equal(0, refilled.TryGetProperty("failed", out var failed) ? failed.GetInt32() : 0);
    }

    [Fact]
    public async Task A_prebuild_of_a_terraform_template_is_claimed_its_claim_build_shows_the_template_the_new_owner_and_the_agent_reinitialises()
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(4) };
        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);
        await File.WriteAllTextAsync(Path.Combine(_directory, "main.tf"), TerraformPoolTemplate());
        try
        {
            var push = await cli.RunAsync("templates", "push", "tfpool", "--directory", _directory, "--yes").WithTimeout(TimeSpan.FromMinutes(3));
            Assert.True(push.ExitCode == 0, push.Stderr);
            var token = await OwnerTokenAsync(cli, "e2e-watch-tf");

            // The reconciler builds the prebuild with terraform, as the prebuilds user.
            await WaitForPoolAsync(cli, token, p => Eligible(p) == 1, "tfpool");

            var claimed = await cli.RunAsync("create", "tfclaimed", "--template", "tfpool", "--preset", "fast", "--yes").WithTimeout(TimeSpan.FromMinutes(4));
            Assert.True(claimed.ExitCode == 0, claimed.Stderr);

            // The claim build re-applied the template with the new owner and is_prebuild false; the agent kept running,
            // reinitialised, and ran the new startup script (terraform wrote the owner into it) as the new owner.
            var directory = await DirectoryOfAsync(cli, "tfclaimed");
            Assert.Equal(["owner=prebuilds prebuild=true", $"owner={ClockedServerFixture.OwnerUsername} prebuild=false"], await File.ReadAllLinesAsync(Path.Combine(directory, "owners.txt")));
            var shown = await cli.RunAsync("show", "tfclaimed", "--output", "json");
            using (var json = JsonDocument.Parse(shown.Stdout))
            {
                Assert.Equal(ClockedServerFixture.OwnerUsername, json.RootElement.GetProperty("owner_name").GetString());
            }

            var deleted = await cli.RunAsync("delete", "tfclaimed", "--yes").WithTimeout(TimeSpan.FromMinutes(4));
            Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        }
        finally
        {
            // The refilled prebuild's agent (terraform starts agents in the background, outside any process group we own).
            Terraform.AgentLaunchingDaemons.KillLeftovers(Path.Combine(server.DataDirectory, "workspaces"), ".outpost-agent.pid");
        }
    }

    /// <summary>The terraform-local example with a preset of one prebuild, whose startup script records who the template was built for.</summary>
    private static string TerraformPoolTemplate()
    {
        var example = File.ReadAllText(Path.Join(Path.GetDirectoryName(LocalWorkspacesFixture.LocalStarterDirectory)!, "terraform-local", "main.tf"));
        const string Ready = "    echo \"ready in $(pwd) for ${data.outpost_workspace_owner.me.name}\"\n";
        Assert.Contains(Ready, example, StringComparison.Ordinal);
        return example.Replace(Ready, "    echo \"owner=${data.outpost_workspace_owner.me.name} prebuild=${data.outpost_workspace.me.is_prebuild}\" >> owners.txt\n", StringComparison.Ordinal) + """

            data "outpost_workspace_preset" "fast" {
              name       = "fast"
              parameters = { greeting = "prebuilt" }
              prebuilds {
                instances = 1
              }
            }
            """;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
