using System.Text;
using System.Text.Json;
using Outpost.TerraformProvider.Resources;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary><c>outpost terraform-provider</c> driven by the real terraform binary (plugin protocol 6, go-plugin handshake, mTLS).</summary>
public sealed class TerraformProviderTests : IDisposable
{
    private const string Template = """
        terraform {
          required_providers {
            outpost = { source = "outpost/outpost" }
          }
        }

        data "outpost_workspace" "me" {}

        data "outpost_workspace_owner" "me" {}

        data "outpost_parameter" "greeting" {
          name    = "greeting"
          type    = "string"
          default = "hello"
          option {
            name  = "Hello"
            value = "hello"
          }
          option {
            name  = "Hi"
            value = "hi"
          }
        }

        resource "outpost_agent" "main" {
          count = data.outpost_workspace.me.start_count
          os    = "linux"
          arch  = "amd64"
          env   = { GREETING = data.outpost_parameter.greeting.value }
        }

        resource "outpost_env" "search" {
          count          = data.outpost_workspace.me.start_count
          agent_id       = outpost_agent.main[0].id
          name           = "SEARCH"
          value          = "/a"
          merge_strategy = "append"
        }

        output "workspace" {
          value = "${data.outpost_workspace_owner.me.name}/${data.outpost_workspace.me.name}"
        }
        """;

    private const string AiTaskTemplate = """
        terraform {
          required_providers {
            outpost = { source = "outpost/outpost" }
          }
        }

        resource "outpost_agent" "main" {
          os   = "linux"
          arch = "amd64"
        }

        resource "outpost_app" "chat" {
          agent_id = outpost_agent.main.id
          slug     = "chat"
          url      = "http://localhost:3284"
        }

        resource "outpost_ai_task" "shown" {
          app_id = outpost_app.chat.id
        }

        resource "outpost_ai_task" "plain" {}

        output "plain_app_id" {
          value = outpost_ai_task.plain.app_id
        }
        """;

    private readonly TerraformCli _terraform = new();

    public void Dispose() => _terraform.Dispose();

    [Fact]
    public async Task Terraform_plans_and_applies_outpost_resources_with_values_from_the_environment_and_destroys_them_on_stop()
    {
        _terraform.Write("main.tf", Template);
        var start = Environment("start");
        start[ProviderEnvironment.ParameterVariable("greeting")] = "hi";

        var applied = await _terraform.RunAsync(start, "apply", "-auto-approve", "-input=false", "-no-color");
        Assert.True(applied.ExitCode == 0, applied.Stdout + applied.Stderr);
        var state = await ShowAsync();

        var agent = Resource(state, "outpost_agent.main[0]");
        Assert.Equal(40, agent.GetProperty("token").GetString()!.Length);
        Assert.True(Guid.TryParse(agent.GetProperty("id").GetString(), out _));
        Assert.Equal("token", agent.GetProperty("auth").GetString());
        Assert.Equal("hi", agent.GetProperty("env").GetProperty("GREETING").GetString());
        Assert.Contains("OUTPOST_AGENT_URL='http://outpost.test'", agent.GetProperty("init_script").GetString(), StringComparison.Ordinal);
        var env = Resource(state, "outpost_env.search[0]");
        Assert.Equal(agent.GetProperty("id").GetString(), env.GetProperty("agent_id").GetString());
        Assert.Equal("append", env.GetProperty("merge_strategy").GetString());
        Assert.Equal("alice/dev", state.GetProperty("values").GetProperty("outputs").GetProperty("workspace").GetProperty("value").GetString());

        var stopped = await _terraform.RunAsync(Environment("stop"), "apply", "-auto-approve", "-input=false", "-no-color");
        Assert.True(stopped.ExitCode == 0, stopped.Stdout + stopped.Stderr);
        var after = await ShowAsync();
        Assert.DoesNotContain("outpost_agent", after.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_merge_strategy_and_a_value_outside_the_options_fail_the_plan_naming_what_is_wrong()
    {
        _terraform.Write("main.tf", Template.Replace("merge_strategy = \"append\"", "merge_strategy = \"sideways\"", StringComparison.Ordinal));
        var start = Environment("start");
        start[ProviderEnvironment.ParameterVariable("greeting")] = "howdy";

        var planned = await _terraform.RunAsync(start, "plan", "-input=false", "-no-color");

        Assert.NotEqual(0, planned.ExitCode);
        // Terraform wraps long messages, so the checks are on words, not whole sentences.
        var output = string.Join(' ', planned.Stderr.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Error: invalid merge_strategy", output, StringComparison.Ordinal);
        Assert.Contains("with outpost_env.search", output, StringComparison.Ordinal);
        Assert.Contains("merge_strategy must be one of \"replace\", \"append\", \"prepend\", \"error\", not \"sideways\"", output, StringComparison.Ordinal);

        // Validation stops the plan before data sources are read; with a good strategy the parameter is next.
        _terraform.Write("main.tf", Template);
        var reread = await _terraform.RunAsync(start, "plan", "-input=false", "-no-color");
        var second = string.Join(' ', reread.Stderr.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.NotEqual(0, reread.ExitCode);
        Assert.Contains("Error: invalid value for parameter \"greeting\"", second, StringComparison.Ordinal);
        Assert.Contains("\"howdy\" is not one of the options: hello, hi", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_task_resource_exposes_the_tasks_id_and_prompt_and_the_app_id_the_template_gives_or_an_empty_one()
    {
        _terraform.Write("main.tf", AiTaskTemplate);
        var taskId = Guid.NewGuid().ToString();
        var environment = Environment("start");
        environment[ProviderEnvironment.TaskId] = taskId;
        environment[ProviderEnvironment.TaskPrompt] = "Fix the flaky test";

        var applied = await _terraform.RunAsync(environment, "apply", "-auto-approve", "-input=false", "-no-color");
        Assert.True(applied.ExitCode == 0, applied.Stdout + applied.Stderr);
        var state = await ShowAsync();

        var shown = Resource(state, "outpost_ai_task.shown");
        var plain = Resource(state, "outpost_ai_task.plain");
        Assert.Equal((taskId, "Fix the flaky test"), (shown.GetProperty("id").GetString(), shown.GetProperty("prompt").GetString()));
        Assert.Equal(Resource(state, "outpost_app.chat").GetProperty("id").GetString(), shown.GetProperty("app_id").GetString());
        Assert.Equal(string.Empty, plain.GetProperty("app_id").GetString());
        Assert.Equal(string.Empty, state.GetProperty("values").GetProperty("outputs").GetProperty("plain_app_id").GetProperty("value").GetString());
    }

    [Fact]
    public async Task An_app_id_that_is_not_an_apps_id_fails_the_plan_naming_it()
    {
        _terraform.Write("main.tf", AiTaskTemplate.Replace("app_id = outpost_app.chat.id", "app_id = \"chat\"", StringComparison.Ordinal));

        var planned = await _terraform.RunAsync(Environment("start"), "plan", "-input=false", "-no-color");

        Assert.NotEqual(0, planned.ExitCode);
        var output = string.Join(' ', planned.Stderr.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Error: invalid app_id", output, StringComparison.Ordinal);
        Assert.Contains("with outpost_ai_task.shown", output, StringComparison.Ordinal);
        Assert.Contains("not \"chat\"", output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Environment(string transition) => new()
    {
        [ProviderEnvironment.Transition] = transition,
        [ProviderEnvironment.WorkspaceName] = "dev",
        [ProviderEnvironment.OwnerName] = "alice",
        [ProviderEnvironment.BuildId] = Guid.NewGuid().ToString(),
        [ProviderEnvironment.AccessUrl] = "http://outpost.test",
    };

    private async Task<JsonElement> ShowAsync()
    {
        var shown = await _terraform.RunAsync(null, "show", "-json", "-no-color");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        return JsonDocument.Parse(Encoding.UTF8.GetBytes(shown.Stdout)).RootElement.Clone();
    }

    private static JsonElement Resource(JsonElement state, string address) =>
        state.GetProperty("values").GetProperty("root_module").GetProperty("resources").EnumerateArray()
            .Single(resource => resource.GetProperty("address").GetString() == address).GetProperty("values");
}
