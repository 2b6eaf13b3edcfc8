using System.Collections.Concurrent;
using System.Formats.Tar;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Terraform;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>The terraform provisioner with the real terraform binary and the real provider.</summary>
public sealed class TerraformProvisionerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-terraform-provisioner-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_import_reports_the_parameters_and_agents_a_start_would_create()
    {
        var provisioner = Provisioner(TerraformCli.Find() ?? throw new InvalidOperationException("terraform is not on PATH; this test needs terraform 1.5 or newer"));
        var log = new Log();

        var result = await provisioner.ImportAsync(new TemplateFiles(Tar(("main.tf", File.ReadAllText(ExampleMainTf())), ("README.md", "# hi\n"))), log, TestTimeouts.Token(TimeSpan.FromMinutes(3)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(result.Succeeded, result.Failure?.Error);
        var imported = result.Value!.Result;
        var parameter = Assert.Single(imported.Parameters);
        Assert.Equal(("greeting", ParameterType.String, "Hello from Outpost", true), (parameter.Name, parameter.Type, parameter.DefaultValue, parameter.Mutable));
        var agent = Assert.Single(imported.Resources.SelectMany(resource => resource.Agents));
        Assert.Equal("main", agent.Name);
        Assert.Equal("terraform_data", Assert.Single(imported.Resources, resource => resource.Agents.Count > 0).Type);
        Assert.Null(agent.AuthToken);
        Assert.Equal("# hi\n", imported.Readme);
        // No module calls: nothing to archive.
        Assert.Null(result.Value.ModulesArchive);
        Assert.Contains(log.Lines, line => line.Level == ProvisionerLogLevel.Info && line.Stage == "init");
    }

    [Fact]
    public async Task An_import_of_the_podman_example_reports_its_image_parameter_preset_and_agent()
    {
        var provisioner = Provisioner(TerraformCli.Find() ?? throw new InvalidOperationException("terraform is not on PATH; this test needs terraform 1.5 or newer"));
        var example = Path.Join(Path.GetDirectoryName(LocalWorkspacesFixture.LocalStarterDirectory)!, "terraform-podman", "main.tf");

        var result = await provisioner.ImportAsync(new TemplateFiles(Tar(("main.tf", File.ReadAllText(example)))), new Log(), TestTimeouts.Token(TimeSpan.FromMinutes(3)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(result.Succeeded, result.Failure?.Error);
        var imported = result.Value!.Result;
        Assert.Equal(("image", "docker.io/library/debian:bookworm-slim"), (Assert.Single(imported.Parameters).Name, imported.Parameters[0].DefaultValue));
        var preset = Assert.Single(imported.Presets);
        Assert.Equal(("debian", true), (preset.Name, preset.Default));
        Assert.Equal("main", Assert.Single(imported.Resources.SelectMany(resource => resource.Agents)).Name);
        Assert.Contains(imported.Resources, resource => resource.Type == "terraform_data" && resource.Name == "container");
    }

    [Fact]
    public async Task An_import_reports_the_outpost_ai_task_resource_so_the_version_can_run_tasks()
    {
        var provisioner = Provisioner(TerraformCli.Find() ?? throw new InvalidOperationException("terraform is not on PATH; this test needs terraform 1.5 or newer"));
        const string MainTf = """
            terraform {
              required_providers {
                outpost = { source = "outpost/outpost" }
              }
            }

            resource "outpost_ai_task" "task" {}

            resource "outpost_agent" "main" {
              os   = "linux"
              arch = "amd64"
              env  = { TASK_ID = outpost_ai_task.task.id }
            }
            """;

        var result = await provisioner.ImportAsync(new TemplateFiles(Tar(("main.tf", MainTf))), new Log(), TestTimeouts.Token(TimeSpan.FromMinutes(3)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(result.Succeeded, result.Failure?.Error);
        Assert.Equal("task", Assert.Single(result.Value!.Result.Resources, resource => resource.Type == "outpost_ai_task").Name);
        Assert.Equal("main", Assert.Single(result.Value.Result.Resources.SelectMany(resource => resource.Agents)).Name);
    }

    [Fact]
    public async Task An_hcl_error_fails_the_import_with_file_and_line()
    {
        var provisioner = Provisioner(TerraformCli.Find() ?? throw new InvalidOperationException("terraform is not on PATH; this test needs terraform 1.5 or newer"));
        var log = new Log();

        var result = await provisioner.ImportAsync(new TemplateFiles(Tar(("main.tf", "locals {\n  a = 1\n}\n\nresource \"outpost_agent\" {\n}\n"))), log, TestTimeouts.Token(TimeSpan.FromMinutes(3)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(ProvisionerErrorCodes.TemplateInvalid, result.Failure!.ErrorCode);
        Assert.Contains("main.tf:5: ", result.Failure.Error, StringComparison.Ordinal);
        Assert.Contains(log.Lines, line => line.Level == ProvisionerLogLevel.Error && line.Output.Contains("main.tf:5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_preset_naming_an_undeclared_parameter_fails_the_import_naming_the_data_source()
    {
        var provisioner = Provisioner(TerraformCli.Find() ?? throw new InvalidOperationException("terraform is not on PATH; this test needs terraform 1.5 or newer"));
        var log = new Log();
        var template = """
            terraform {
              required_providers {
                outpost = { source = "outpost/outpost" }
              }
            }

            data "outpost_parameter" "size" {
              name    = "size"
              default = "1"
            }

            data "outpost_workspace_preset" "wrong" {
              name       = "wrong"
              parameters = { colour = "blue" }
            }
            """;

        var result = await provisioner.ImportAsync(new TemplateFiles(Tar(("main.tf", template))), log, TestTimeouts.Token(TimeSpan.FromMinutes(3)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(ProvisionerErrorCodes.TemplateInvalid, result.Failure!.ErrorCode);
        Assert.Equal("data.outpost_workspace_preset.wrong: parameter \"colour\" is not declared by any outpost_parameter", result.Failure.Error);
        Assert.Contains(log.Lines, line => line.Level == ProvisionerLogLevel.Error && line.Output == result.Failure.Error);
    }

    [Fact]
    public async Task Without_terraform_or_with_one_older_than_1_5_jobs_are_refused_naming_OUTPOST_TERRAFORM_PATH()
    {
        var old = Path.Join(_root, "terraform-old");
        await File.WriteAllTextAsync(old, "#!/bin/sh\necho '{\"terraform_version\":\"1.4.6\"}'\n");
        File.SetUnixFileMode(old, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var missing = await Provisioner(null).ImportAsync(new TemplateFiles(Tar(("main.tf", "")) ), new Log(), CancellationToken.None).WaitAsync(TestTimeouts.Default);
        var tooOld = await Provisioner(old).ImportAsync(new TemplateFiles(Tar(("main.tf", ""))), new Log(), CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(ProvisionerErrorCodes.ProvisionerUnavailable, missing.Failure!.ErrorCode);
        Assert.Contains("OUTPOST_TERRAFORM_PATH", missing.Failure.Error, StringComparison.Ordinal);
        Assert.Equal(ProvisionerErrorCodes.ProvisionerUnavailable, tooOld.Failure!.ErrorCode);
        Assert.Contains("terraform 1.4.6, older than 1.5", tooOld.Failure.Error, StringComparison.Ordinal);
        Assert.Contains("OUTPOST_TERRAFORM_PATH", tooOld.Failure.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_diagnostics_become_file_line_errors_and_levels_are_terraforms()
    {
        var (level, message, error) = TerraformRunner.Parse(
            """{"@level":"error","@message":"Error: Unsupported argument","diagnostic":{"severity":"error","summary":"Unsupported argument","detail":"An argument named \"x\" is not expected here.","range":{"filename":"main.tf","start":{"line":7,"column":3}}}}""");
        var (warnLevel, _, warnError) = TerraformRunner.Parse("""{"@level":"warn","@message":"Warning: something"}""");
        var (_, _, addressed) = TerraformRunner.Parse(
            """{"@level":"error","diagnostic":{"severity":"error","summary":"invalid merge_strategy","detail":"not \"sideways\"","address":"outpost_env.first","range":{"filename":"main.tf","start":{"line":14,"column":20}}}}""");

        Assert.Equal(ProvisionerLogLevel.Error, level);
        Assert.Equal("main.tf:7: Unsupported argument: An argument named \"x\" is not expected here.", error);
        Assert.Equal($"Error: {error}", message);
        Assert.Equal("main.tf:14: outpost_env.first: invalid merge_strategy: not \"sideways\"", addressed);
        Assert.Equal(ProvisionerLogLevel.Warn, warnLevel);
        Assert.Null(warnError);
        Assert.Equal((ProvisionerLogLevel.Info, "plain text", (string?)null), TerraformRunner.Parse("plain text"));
    }

    private TerraformProvisioner Provisioner(string? terraform) => new(
        new TerraformProvisionerOptions
        {
            WorkspacesDirectory = Path.Join(_root, "workspaces"),
            TerraformPath = terraform,
            OutpostCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "outpost.dll")],
        },
        NullLogger.Instance);

    private static string ExampleMainTf() =>
        Path.Join(Path.GetDirectoryName(LocalWorkspacesFixture.LocalStarterDirectory)!, "terraform-local", "main.tf");

    private static byte[] Tar(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return buffer.ToArray();
    }

    private sealed class Log : IJobLog
    {
        public ConcurrentQueue<ProvisionerLogLine> Lines { get; } = new();

        public void Write(ProvisionerLogLevel level, string stage, string output) =>
            Lines.Enqueue(new ProvisionerLogLine { CreatedAt = DateTimeOffset.UtcNow, Level = level, Stage = stage, Output = output });
    }
}
