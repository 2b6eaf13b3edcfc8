using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Testing;
using Xunit.Abstractions;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary>
/// Issue 24, <c>outpost diagnose --bundle</c> end to end: the real server and local provisioner, a real agent whose
/// startup script prints a user secret's value and an API token, a real task (the fake model provider at the true
/// boundary) with a prompt and an assistant message — and none of those four canaries anywhere in the zip.
/// </summary>
public sealed class DiagnoseBundleTests(LocalWorkspacesFixture server, ITestOutputHelper output) : IClassFixture<LocalWorkspacesFixture>
{
    private const string ModelKey = "sk-bundle-model-key-4b2e91";
    private const string SecretCanary = "bundle-secret-canary-Qx7Lm2";
    private const string PromptCanary = "bundle prompt canary: fix the flaky deploy and mention Zebra-Harbor-31";
    private const string AssistantCanary = "assistant canary: the Zebra-Harbor-31 deploy is fixed";

    [Fact]
    public async Task A_bundle_holds_the_story_the_workspace_agent_logs_telemetry_and_server_health_and_no_secret_token_prompt_or_conversation()
    {
        await using var provider = await FakeChatProvider.StartAsync(ModelKey);
        provider.Enqueue(FakeTurn.Text(AssistantCanary));
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var token = await cli.RunAsync("tokens", "create", "--name", "bundle-canary");
        Assert.True(token.ExitCode == 0, token.Stderr);
        var apiToken = token.Stdout.Trim();
        foreach (var (name, env, value) in new[] { ("model", TaskApi.DefaultApiKeyVariable, ModelKey), ("canary", "CANARY_SECRET", SecretCanary) })
        {
            cli.Stdin = value;
            var secret = await cli.RunAsync("secrets", "create", name, "--env", env);
            Assert.True(secret.ExitCode == 0, secret.Stderr);
        }

        cli.Stdin = null;
        var directory = Directory.CreateTempSubdirectory("outpost-bundle-template-").FullName;
        var bundle = Path.Combine(cli.TelemetryDirectory, "..", "bundle.zip");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "outpost.yaml"), $"""
                name: bundle-canary
                agents:
                  - name: main
                    secrets:
                      - env: {TaskApi.DefaultApiKeyVariable}
                      - env: CANARY_SECRET
                    startup_script: |
                      echo "secret=$CANARY_SECRET"
                      echo "token={apiToken}"
                      echo "prompt=${"{"}{TaskApi.TaskPromptVariable}:-none{"}"}"
                      echo "asked: {PromptCanary}"
                      echo "said: {AssistantCanary}"
                      echo "canary lines done"
                task:
                  agent: main
                  model_url: {provider.BaseUrl}
                  model: fake-model
                """);
            var push = await cli.RunAsync("templates", "push", "bundle-canary", "--directory", directory, "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
            var create = await cli.RunAsync("tasks", "create", "--template", "bundle-canary", "--prompt", PromptCanary, "--name", "bundled");
            Assert.True(create.ExitCode == 0, create.Stderr);
            await provider.WaitForRequestAsync(1);

            // The script's lines and the assistant's answer land when they land: bundle again until both are in the system.
            var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
            CliRun run;
            Dictionary<string, byte[]> entries;
            do
            {
                run = await cli.RunAsync("diagnose", "bundled", "--bundle", "-o", bundle);
                Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
                entries = Read(bundle);
                var log = entries.TryGetValue("agents/main.log", out var bytes) ? Encoding.UTF8.GetString(bytes) : string.Empty;
                if (log.Contains("canary lines done", StringComparison.Ordinal) && (await cli.RunAsync("tasks", "logs", "bundled")).Stdout.Contains(AssistantCanary, StringComparison.Ordinal))
                {
                    break;
                }

                Assert.True(DateTimeOffset.UtcNow < deadline, "the agent's script output or the assistant's answer never arrived: " + log);
                await Task.Delay(200);
            }
            while (true);

            // One more, now that everything is in the system.
            run = await cli.RunAsync("diagnose", "bundled", "--bundle", "-o", bundle);
            entries = Read(bundle);
            output.WriteLine(run.Stdout);

            var canaries = new[] { SecretCanary, apiToken, apiToken.Split('-')[^1], PromptCanary, "Zebra-Harbor-31", AssistantCanary, ModelKey };
            foreach (var (name, bytes) in entries)
            {
                var text = Encoding.UTF8.GetString(bytes);
                foreach (var canary in canaries)
                {
                    Assert.False(text.Contains(canary, StringComparison.Ordinal), $"{name} holds the canary \"{canary}\"");
                }
            }

            var mainLog = Encoding.UTF8.GetString(entries["agents/main.log"]);
            output.WriteLine(mainLog);
            Assert.Contains("secret=[REDACTED]", mainLog, StringComparison.Ordinal);
            Assert.Contains("token=[REDACTED]", mainLog, StringComparison.Ordinal);
            Assert.Contains("asked: [REDACTED]", mainLog, StringComparison.Ordinal);
            Assert.Contains("said: [REDACTED]", mainLog, StringComparison.Ordinal);
            Assert.Equal(
                ["agents/main.log", "diagnosis.json", "diagnosis.txt", "manifest.json", "server.json", "telemetry.json", "timeline.json", "workspace.json"],
                entries.Keys.Order(StringComparer.Ordinal));
            using var manifest = JsonDocument.Parse(entries["manifest.json"]);
            Assert.Equal("included", manifest.RootElement.GetProperty("server_part").GetString());
            Assert.All(manifest.RootElement.GetProperty("entries").EnumerateArray(), e =>
                Assert.Equal(entries[e.GetProperty("name").GetString()!].Length, e.GetProperty("bytes").GetInt64()));
            Assert.Contains("build.succeeded", Encoding.UTF8.GetString(entries["diagnosis.txt"]), StringComparison.Ordinal);
            Assert.Contains("\"deployment_health\"", Encoding.UTF8.GetString(entries["server.json"]), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(bundle));
            Assert.Contains($"Wrote {Path.GetFullPath(bundle)} (", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("Review it before you share it", run.Stdout, StringComparison.Ordinal);

            var other = Path.Combine(directory, "other.zip");
            var unknown = await cli.RunAsync("diagnose", "nosuch", "--bundle", "--output", other);
            Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
            Assert.False(File.Exists(other));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static Dictionary<string, byte[]> Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }, StringComparer.Ordinal);
    }
}
