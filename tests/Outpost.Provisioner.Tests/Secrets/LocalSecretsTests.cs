using System.Text;
using Outpost.Provisioner.Templates;
using Outpost.Provisioner.Tests.Local;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Secrets;

namespace Outpost.Provisioner.Tests.Secrets;

/// <summary>outpost.yaml's <c>secrets</c> through the real local provisioner (a stand-in agent records its environment).</summary>
public sealed class LocalSecretsTests : IDisposable
{
    private const string Template = """
        name: secrets
        agents:
          - name: main
            secrets:
              - env: GITHUB_TOKEN
                to_env: GH_TOKEN
                help_message: Create one at github.com/settings/tokens
              - file: ~/.config/gh/hosts.yml
              - env: NPM_TOKEN
                to_file: npm/token
                optional: true
        """;

    private readonly LocalProvisionerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private WorkspaceBuildJob Start(params BuildSecret[] secrets) => _fixture.Job(WorkspaceTransition.Start, []) with { UserSecrets = secrets };

    [Fact]
    public async Task A_start_puts_secrets_in_the_agents_process_environment_and_0600_files_but_not_in_what_it_reports()
    {
        var (result, _, log) = await _fixture.BuildAsync(Start(
            new BuildSecret { EnvName = "GITHUB_TOKEN", Value = "gh-canary-1" },
            new BuildSecret { FilePath = "~/.config/gh/hosts.yml", Value = "hosts-canary-2\n" },
            new BuildSecret { EnvName = "UNUSED", Value = "unused-canary-3" }), _fixture.Template(Template));

        var env = await _fixture.AgentEnvironmentAsync("main");
        Assert.Equal("gh-canary-1", env["GH_TOKEN"]);
        Assert.False(env.ContainsKey("GITHUB_TOKEN"));
        Assert.DoesNotContain(env, entry => entry.Key.StartsWith("OUTPOST_SECRET_", StringComparison.Ordinal) || entry.Value.Contains("unused-canary-3", StringComparison.Ordinal));
        var file = Path.Join(_fixture.Workspace, ".config", "gh", "hosts.yml");
        Assert.Equal("hosts-canary-2\n", await File.ReadAllTextAsync(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
        Assert.False(File.Exists(Path.Join(_fixture.Workspace, "npm", "token")));

        // What goes back to the server (and so into its database) holds no value.
        var reported = Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(result, Sdk.OutpostJsonContext.Default.WorkspaceBuildResult));
        Assert.DoesNotContain("canary", reported, StringComparison.Ordinal);
        Assert.DoesNotContain("canary", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_secret_fails_the_start_with_the_specs_message_before_anything_starts()
    {
        var log = new RecordingJobLog();
        var result = await _fixture.Provisioner.BuildAsync(Start(new BuildSecret { FilePath = "~/.config/gh/hosts.yml", Value = "h" }), _fixture.Template(Template), log, CancellationToken.None);
        Assert.False(result.Succeeded);
        Assert.Equal(ProvisionerErrorCodes.SecretMissing, result.Failure!.ErrorCode);
        var message = result.Failure.Error;
        Assert.Contains("Missing required secret: environment variable \"GITHUB_TOKEN\"", message, StringComparison.Ordinal);
        Assert.Contains("Required: ", message, StringComparison.Ordinal);
        Assert.Contains("Help message: Create one at github.com/settings/tokens", message, StringComparison.Ordinal);
        Assert.Contains("To resolve: ensure a secret exposes the environment variable \"GITHUB_TOKEN\"", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_fixture.Workspace));
    }

    [Fact]
    public async Task Stop_and_delete_need_no_secrets_so_deleting_one_never_blocks_them()
    {
        var template = _fixture.Template(Template);
        var (_, state, _) = await _fixture.BuildAsync(Start(
            new BuildSecret { EnvName = "GITHUB_TOKEN", Value = "g" }, new BuildSecret { FilePath = "~/.config/gh/hosts.yml", Value = "h" }), template);
        var (stopped, _, _) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Stop, state.ToBytes()), template);
        Assert.Empty(stopped.Resources.SelectMany(resource => resource.Agents));
        await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Delete, []), template);
        Assert.False(Directory.Exists(_fixture.Workspace));
    }

    [Theory]
    [InlineData("- env: A\n        file: /b", "exactly one of `env` or `file` must be set")]
    [InlineData("- to_env: A", "exactly one of `env` or `file` must be set")]
    [InlineData("- env: PATH", "reserved")]
    [InlineData("- env: LD_PRELOAD", "reserved prefix LD_")]
    [InlineData("- file: relative/path", "must start with ~/ or /")]
    [InlineData("- file: /etc/app.key", "an absolute `file` needs `to_file`")]
    [InlineData("- env: A\n        to_file: ../outside", "stays inside the workspace directory")]
    [InlineData("- env: A\n        to_file: /etc/x", "stays inside the workspace directory")]
    [InlineData("- env: A\n        to_env: OUTPOST_X", "reserved")]
    public void A_bad_secrets_entry_is_a_template_error(string entry, string expected)
    {
        var result = TemplateParser.Parse($"""
            name: t
            agents:
              - name: main
                secrets:
                  {entry}
            """);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, error => error.ToString().Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_target_an_env_secret_keeps_its_name_and_a_home_file_its_path()
    {
        var result = TemplateParser.Parse(Template);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var secrets = Assert.Single(result.Definition!.Agents).Secrets;
        Assert.Equal([("GH_TOKEN", null), (null, ".config/gh/hosts.yml"), (null, "npm/token")], secrets.Select(s => (s.ToEnv, s.ToFile)));
        Assert.True(secrets[2].Optional);
    }
}
