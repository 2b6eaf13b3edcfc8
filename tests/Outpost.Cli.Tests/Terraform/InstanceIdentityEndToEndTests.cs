using System.Text.Json;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>
/// Two agents on one (fake) EC2 instance, through the real CLI, server, daemon, terraform, provider and
/// <c>outpost agent --auth aws-instance-identity</c>: each agent fetches the instance's identity document from a
/// metadata service on loopback and trades it, with its name, for its own token.
/// </summary>
public sealed class InstanceIdentityEndToEndTests(InstanceIdentityServerFixture server) : IClassFixture<InstanceIdentityServerFixture>, IDisposable
{
    private readonly Workspaces.WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-identity-e2e-").FullName;

    public void Dispose()
    {
        AgentLaunchingDaemons.KillLeftovers(_root, "*.pid");
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task Two_agents_on_one_instance_each_authenticate_with_its_identity_document_and_its_name()
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        var instanceId = "i-" + Guid.NewGuid().ToString("N")[..17];
        await using var metadata = await FakeAwsMetadata.StartAsync(server.Clouds, instanceId);
        await File.WriteAllTextAsync(Path.Join(_bed.Directory, "main.tf"), Template(instanceId, metadata.Url));

        using var cli = await _bed.SignedInAsync();
        cli.Timeout = TimeSpan.FromMinutes(4);
        await using var daemons = AgentLaunchingDaemons.Start(server, Path.Join(_root, "workspaces"));

        var push = await cli.RunAsync("templates", "push", "tf-identity", "--directory", _bed.Directory, "--yes").WithTimeout(TimeSpan.FromMinutes(3));
        Assert.True(push.ExitCode == 0, push.Stderr);

        var create = await cli.RunAsync("create", "vm", "--template", "tf-identity").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(create.ExitCode == 0, create.Stderr + Logs());
        Assert.Contains("owner/vm is ready", create.Stderr, StringComparison.Ordinal);

        var shown = await cli.RunAsync("show", "vm", "--output", "json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        using (var json = JsonDocument.Parse(shown.Stdout))
        {
            var agents = json.RootElement.GetProperty("resources").EnumerateArray().SelectMany(r => r.GetProperty("agents").EnumerateArray())
                .ToDictionary(a => a.GetProperty("name").GetString()!, a => (a.GetProperty("status").GetString(), a.GetProperty("lifecycle_state").GetString()));
            Assert.Equal(new Dictionary<string, (string?, string?)> { ["dev"] = ("connected", "ready"), ["main"] = ("connected", "ready") }, agents);
        }

        Assert.True(metadata.DocumentsServed >= 2, $"the metadata service served {metadata.DocumentsServed} identity documents");
        var working = Assert.Single(Directory.GetDirectories(Path.Join(_root, "workspaces", "terraform")), path => !Path.GetFileName(path).StartsWith('.'));
        foreach (var name in new[] { "main", "dev" })
        {
            Assert.Contains("Authenticated with the aws-instance-identity of this instance", await File.ReadAllTextAsync(Path.Join(working, name + ".log")), StringComparison.Ordinal);
        }

        // A third agent process on the instance that names no agent cannot be told apart: it says which names exist and stops.
        var (exitCode, _, stderr) = await OutpostProcess.RunAsync(["agent", "--auth", "aws-instance-identity"], new Dictionary<string, string?>
        {
            [Sdk.Agents.AgentEnvironment.AgentUrl] = server.BaseAddress.ToString(),
            [Sdk.Agents.AgentEnvironment.AgentToken] = null,
            [Sdk.Agents.AgentEnvironment.AgentName] = "  ",
            [Outpost.Agent.Identity.InstanceIdentityLogin.MetadataUrlVariable] = metadata.Url.ToString(),
        });
        Assert.Equal(ExitCodes.AgentNeverStarted, exitCode);
        Assert.Contains("set OUTPOST_AGENT_NAME (or --agent-name) to one of: dev, main", stderr, StringComparison.Ordinal);

        var delete = await cli.RunAsync("delete", "vm", "--yes").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(delete.ExitCode == 0, delete.Stderr);

        string Logs() => string.Join("\n", Directory.EnumerateFiles(_root, "*.log", SearchOption.AllDirectories).Select(f => f + ":\n" + File.ReadAllText(f)));
    }

    private static string Template(string instanceId, Uri metadata)
    {
        var agents = string.Concat(new[] { "main", "dev" }.Select(name => $$"""

            resource "outpost_agent" "{{name}}" {
              count              = data.outpost_workspace.me.start_count
              os                 = "linux"
              arch               = "amd64"
              auth               = "aws-instance-identity"
              connection_timeout = 0
            }

            resource "outpost_agent_instance" "{{name}}" {
              count       = data.outpost_workspace.me.start_count
              agent_id    = outpost_agent.{{name}}[0].id
              instance_id = "{{instanceId}}"
            }
            """));
        return $$"""
            terraform {
              required_providers {
                outpost = { source = "outpost/outpost" }
              }
            }

            data "outpost_workspace" "me" {}
            {{agents}}

            # Both agents run on "the instance": started in the background, each with its name, stopped on destroy.
            resource "terraform_data" "instance" {
              count = data.outpost_workspace.me.start_count
              input = { directory = path.cwd }

              provisioner "local-exec" {
                command = <<-EOT
                  OUTPOST_AGENT_NAME=main nohup sh -c "$MAIN" > main.log 2>&1 < /dev/null &
                  echo $! > main.pid
                  OUTPOST_AGENT_NAME=dev nohup sh -c "$DEV" > dev.log 2>&1 < /dev/null &
                  echo $! > dev.pid
                EOT
                environment = {
                  MAIN                       = outpost_agent.main[0].init_script
                  DEV                        = outpost_agent.dev[0].init_script
                  OUTPOST_AGENT_METADATA_URL = "{{metadata}}"
                }
              }

              provisioner "local-exec" {
                when    = destroy
                command = <<-EOT
                  cd '${self.input.directory}'
                  for f in main.pid dev.pid; do
                    [ -f "$f" ] || continue
                    pid=$(cat "$f")
                    kill "$pid" 2>/dev/null || true
                    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
                    kill -9 "$pid" 2>/dev/null || true
                    rm -f "$f"
                  done
                EOT
              }
            }
            """;
    }
}
