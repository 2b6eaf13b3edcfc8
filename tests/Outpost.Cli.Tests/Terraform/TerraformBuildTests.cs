using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk;
using Outpost.Sdk.Templates;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>
/// Terraform templates without agents through the real CLI, server, daemon, terraform binary and
/// provider: the modules cache, parameters in <c>outpost create</c>, a crash mid-apply, provider errors.
/// Each test writes its template's result into the workspace's working directory with local-exec.
/// </summary>
public sealed class TerraformBuildTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string Provider = """
        terraform {
          required_providers {
            outpost = { source = "outpost/outpost" }
          }
        }

        data "outpost_workspace" "me" {}

        """;

    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    private readonly Workspaces.WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-terraform-builds-").FullName;

    private string Workspaces => Path.Join(_root, "workspaces");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task A_module_from_a_git_repository_is_archived_at_import_and_builds_still_work_once_the_repository_is_gone()
    {
        var repository = Directory.CreateDirectory(Path.Join(_root, "greeting-module")).FullName;
        await File.WriteAllTextAsync(Path.Join(repository, "main.tf"), """
            variable "name" {
              type = string
            }

            output "message" {
              value = "hello ${var.name} from module v1"
            }
            """);
        Git(repository, "init", "--quiet");
        Git(repository, "add", "main.tf");
        Git(repository, "-c", "user.name=Outpost Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-m", "v1");
        var template = Template("tf-modules", Provider + $$"""
            module "greeting" {
              source = "git::file://{{repository}}"
              name   = data.outpost_workspace.me.name
            }

            resource "terraform_data" "marker" {
              count = data.outpost_workspace.me.start_count
              input = module.greeting.message
              provisioner "local-exec" {
                command     = "printf '%s' \"$MESSAGE\" > marker.txt"
                environment = { MESSAGE = self.input }
              }
            }
            """);
        using var cli = await _bed.SignedInAsync();
        cli.Timeout = Step;
        await using var daemons = StartDaemon();

        await PushAsync(cli, "tf-modules", template);
        var version = Assert.Single(await VersionsAsync(cli, "tf-modules"));
        var modules = version.ModulesFileHash;
        Assert.NotNull(modules);
        Directory.Delete(repository, recursive: true);

        var create = await cli.RunAsync("create", "modular", "--template", "tf-modules").WithTimeout(Step);

        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Equal("hello modular from module v1", await File.ReadAllTextAsync(Path.Join(WorkingDirectory(), "marker.txt")));
        // The build downloaded the archive through the chunked file API into the daemon's cache.
        Assert.True(File.Exists(Path.Join(Workspaces, ".file-cache", modules)), $"the daemon's file cache holds no {modules}");
    }

    [Fact]
    public async Task Outpost_create_resolves_outpost_parameter_values_and_refuses_a_missing_required_one_by_name_and_presets_show_with_the_version()
    {
        var template = Template("tf-parameters", Provider + """
            data "outpost_parameter" "region" {
              name        = "region"
              description = "Where the workspace runs."
            }

            data "outpost_parameter" "size" {
              name    = "size"
              type    = "number"
              default = "2"
            }

            data "outpost_workspace_preset" "small" {
              name       = "small"
              default    = true
              parameters = { region = "eu-west", size = "1" }
            }

            data "outpost_workspace_preset" "big" {
              name        = "big"
              description = "For builds"
              parameters  = { size = "8" }
            }

            resource "terraform_data" "marker" {
              count = data.outpost_workspace.me.start_count
              input = "${data.outpost_parameter.region.value}/${data.outpost_parameter.size.value}"
              provisioner "local-exec" {
                command     = "printf '%s' \"$VALUES\" > parameters.txt"
                environment = { VALUES = self.input }
              }
            }
            """);
        using var cli = await _bed.SignedInAsync();
        cli.Timeout = Step;
        await using var daemons = StartDaemon();
        await PushAsync(cli, "tf-parameters", template);
        var parameters = Assert.Single(await VersionsAsync(cli, "tf-parameters")).Parameters;
        Assert.Equal(["region", "size"], parameters.Select(parameter => parameter.Name).Order(StringComparer.Ordinal));
        var shown = await cli.RunAsync("templates", "versions", "show", "tf-parameters", "--output", "json").WithTimeout();
        var table = await cli.RunAsync("templates", "versions", "show", "tf-parameters").WithTimeout();
        var presets = JsonSerializer.Deserialize(shown.Stdout, OutpostJsonContext.Default.TemplateVersion)!.Presets;
        Assert.Equal(["big", "small"], presets.Select(preset => preset.Name));
        Assert.Equal(("For builds", false, "8"), (presets[0].Description, presets[0].Default, presets[0].Parameters["size"]));
        Assert.Equal(new Dictionary<string, string> { ["region"] = "eu-west", ["size"] = "1" }, presets[1].Parameters);
        Assert.True(presets[1].Default);
        Assert.True(table.Stdout.Contains("region=eu-west, size=1", StringComparison.Ordinal), table.Stdout + table.Stderr);

        var missing = await cli.RunAsync("create", "params", "--template", "tf-parameters").WithTimeout(Step);
        var created = await cli.RunAsync("create", "params", "--template", "tf-parameters", "--parameter", "region=eu-west").WithTimeout(Step);

        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("parameter \"region\" is required", missing.Stderr, StringComparison.Ordinal);
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal("eu-west/2", await File.ReadAllTextAsync(Path.Join(WorkingDirectory(), "parameters.txt")));
    }

    [Fact]
    public async Task A_terraform_crash_mid_apply_fails_the_build_with_the_last_lines_and_the_next_build_continues_from_the_state_the_server_got()
    {
        // The flag makes the first apply kill its own terraform (local-exec runs in terraform's process) once.
        var flag = Path.Join(_root, "crash-once");
        await File.WriteAllTextAsync(flag, "");
        // Each creation appends a line: a resource created again would show twice.
        var created = Path.Join(_root, "created");
        var template = Template("tf-crash", Provider + $$"""
            resource "terraform_data" "first" {
              count = data.outpost_workspace.me.start_count
              input = "created before the crash"
              provisioner "local-exec" {
                command = "echo 'first ${self.id}' >> '{{created}}'"
              }
            }

            resource "terraform_data" "second" {
              count      = data.outpost_workspace.me.start_count
              depends_on = [terraform_data.first]
              provisioner "local-exec" {
                command = "if [ -e '{{flag}}' ]; then rm -f '{{flag}}'; kill -9 $PPID; exit 1; fi; echo second >> '{{created}}'"
              }
            }
            """);
        using var cli = await _bed.SignedInAsync();
        cli.Timeout = Step;
        await using var daemons = StartDaemon();
        await PushAsync(cli, "tf-crash", template);

        var crashed = await cli.RunAsync("create", "crashy", "--template", "tf-crash").WithTimeout(Step);

        Assert.NotEqual(0, crashed.ExitCode);
        Assert.Contains("terraform apply was killed by signal 9", crashed.Stderr, StringComparison.Ordinal);
        Assert.Contains("terraform_data.second[0]: Provisioning with 'local-exec'", crashed.Stderr, StringComparison.Ordinal);
        var first = Assert.Single(await File.ReadAllLinesAsync(created));
        Assert.StartsWith("first ", first, StringComparison.Ordinal);
        // The state the crashed apply wrote went to the server with the failure; none stays on disk.
        var directory = WorkingDirectory();
        Assert.DoesNotContain(Directory.GetFiles(directory).Select(Path.GetFileName), name => name!.Contains("tfstate", StringComparison.Ordinal) || name.EndsWith(".tfplan", StringComparison.Ordinal));
        // As if the next build ran on another daemon's machine: nothing of this working directory is left.
        Directory.Delete(directory, recursive: true);

        var started = await cli.RunAsync("start", "crashy").WithTimeout(Step);

        Assert.True(started.ExitCode == 0, started.Stderr);
        // Not created again: the build planned from the state the server got with the failure; only the second is new.
        Assert.Equal([first, "second"], await File.ReadAllLinesAsync(created));
    }

    [Theory]
    [InlineData("bad-strategy", """merge_strategy = "sideways" """, "outpost_env.first", "merge_strategy")]
    [InlineData("two-errors", """merge_strategy = "error" """, "outpost_agent.main[0]", "PATH_EXTRA")]
    public async Task A_provider_error_fails_the_build_naming_the_resource_address(string workspace, string strategy, string address, string detail)
    {
        var template = Template("tf-" + workspace, Provider + $$"""
            resource "outpost_agent" "main" {
              count = data.outpost_workspace.me.start_count
              os    = "linux"
              arch  = "amd64"
            }

            resource "outpost_env" "first" {
              count    = data.outpost_workspace.me.start_count
              agent_id = outpost_agent.main[0].id
              name     = "PATH_EXTRA"
              value    = "/one"
              {{strategy}}
            }

            resource "outpost_env" "second" {
              count          = data.outpost_workspace.me.start_count
              agent_id       = outpost_agent.main[0].id
              name           = "PATH_EXTRA"
              value          = "/two"
              merge_strategy = "error"
            }
            """);
        using var cli = await _bed.SignedInAsync();
        cli.Timeout = Step;
        await using var daemons = StartDaemon();
        var push = await cli.RunAsync("templates", "push", "tf-" + workspace, "--directory", template, "--yes").WithTimeout(Step);
        if (push.ExitCode != 0)
        {
            // A bad strategy is caught when terraform validates the configuration: already at import.
            Assert.Contains(address, push.Stderr, StringComparison.Ordinal);
            Assert.Contains(detail, push.Stderr, StringComparison.Ordinal);
            return;
        }

        var create = await cli.RunAsync("create", workspace, "--template", "tf-" + workspace).WithTimeout(Step);

        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains(address, create.Stderr, StringComparison.Ordinal);
        Assert.Contains(detail, create.Stderr, StringComparison.Ordinal);
    }

    private ProvisionerDaemonHost StartDaemon() =>
        ProvisionerDaemonHost.Start(
            1, server.BaseAddress, server.DaemonKey, Workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with
            {
                Provisioners = ["terraform"],
                AgentCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "outpost.dll"), "agent"],
                WaitSeconds = 1,
                HeartbeatInterval = TimeSpan.FromSeconds(1),
            });

    private static async Task PushAsync(TestCli cli, string name, string directory)
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        var push = await cli.RunAsync("templates", "push", name, "--directory", directory, "--yes").WithTimeout(Step);
        Assert.True(push.ExitCode == 0, push.Stderr);
    }

    private static async Task<List<TemplateVersion>> VersionsAsync(TestCli cli, string template)
    {
        var versions = await cli.RunAsync("templates", "versions", template, "--output", "json").WithTimeout();
        Assert.True(versions.ExitCode == 0, versions.Stderr);
        return JsonSerializer.Deserialize(versions.Stdout, OutpostJsonContext.Default.ListTemplateVersion)!;
    }

    private string Template(string name, string mainTf)
    {
        var directory = Directory.CreateDirectory(Path.Join(_root, "templates", name)).FullName;
        File.WriteAllText(Path.Join(directory, "main.tf"), mainTf);
        return directory;
    }

    /// <summary>The working directory of the test's only terraform workspace.</summary>
    private string WorkingDirectory() =>
        Assert.Single(Directory.GetDirectories(Path.Join(Workspaces, "terraform")), path => !Path.GetFileName(path).StartsWith('.'));

    private static void Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var git = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        var error = git.StandardError.ReadToEndAsync();
        git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {error.Result}");
    }
}
