using System.Text.RegularExpressions;
using Outpost.Sdk.Agents;
using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Protocol;
using Outpost.TerraformProvider.Schema;

namespace Outpost.TerraformProvider.Resources;

/// <summary><c>outpost_agent</c>: an agent that runs inside the workspace (Coder's <c>coder_agent</c>).</summary>
internal sealed partial class AgentResource : ProviderResource
{
    public const string Name = "outpost_agent";
    public static readonly string[] AuthMethods = ["token", "aws-instance-identity", "azure-instance-identity", "google-instance-identity"];

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "An agent that runs inside the workspace and connects back to Outpost. Start it with `init_script` (or `outpost agent` with `token`).",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The agent's id."),
            new("os", CtyType.String, AttributeMode.Required, "The operating system it runs on: `linux`, `darwin` or `windows`."),
            new("arch", CtyType.String, AttributeMode.Required, "The architecture: `amd64`, `arm64` or `armv7`."),
            new("dir", CtyType.String, AttributeMode.Optional, "The working directory (default: the home directory)."),
            new("env", CtyType.Map(CtyType.String), AttributeMode.Optional, "Environment variables of the agent; they win over `outpost_env`."),
            new("startup_script", CtyType.String, AttributeMode.Optional, "A script run when the agent starts."),
            new("shutdown_script", CtyType.String, AttributeMode.Optional, "A script run when the agent stops."),
            new("auth", CtyType.String, AttributeMode.OptionalComputed,
                "How the agent authenticates: `token` (default), `aws-instance-identity`, `azure-instance-identity` or `google-instance-identity`."),
            new("connection_timeout", CtyType.Number, AttributeMode.OptionalComputed, "Seconds after which a never-connected agent is reported as timed out (default 120; 0 = never)."),
            new("token", CtyType.String, AttributeMode.Computed, "The token the agent authenticates with (for `auth = \"token\"`; null otherwise).", Sensitive: true),
            new("init_script", CtyType.String, AttributeMode.Computed, "A shell script that starts `outpost agent` with the server's URL and this agent's token, or for instance-identity `auth` with `OUTPOST_AGENT_AUTH` (set `OUTPOST_AGENT_NAME` when several agents share the instance).", Sensitive: true),
        ]);

    public override bool RequiresReplace(string attribute) => attribute is "os" or "arch" or "auth";

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config) =>
        Diagnostics.OneOf(config, "os", "linux", "darwin", "windows")
            .Concat(Diagnostics.OneOf(config, "arch", "amd64", "arm64", "armv7"))
            .Concat(Diagnostics.OneOf(config, "auth", AuthMethods));

    public override void ApplyDefaults(SortedDictionary<string, object?> planned, ProviderEnvironment environment)
    {
        planned["auth"] ??= "token";
        planned["connection_timeout"] ??= 120m;
    }

    public override void Create(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        base.Create(state, environment);
        var auth = state.String("auth") ?? "token";
        var token = auth == "token" ? AgentToken.New() : null;
        state["token"] = token;
        state["init_script"] = InitScript(environment, auth, token, state.String("id")!);
    }

    /// <summary>
    /// Starts <c>outpost agent</c> with the command OUTPOST_AGENT_COMMAND gives (a shell command line),
    /// else this very binary (the provider is the outpost binary).
    /// </summary>
    private static string InitScript(ProviderEnvironment environment, string auth, string? token, string agentId)
    {
        var command = environment.Get(ProviderEnvironment.AgentCommand) ?? DefaultCommand();
        var url = environment.Get(ProviderEnvironment.AccessUrl) ?? string.Empty;

        // With instance identity there is no token to carry: the agent proves itself with the machine's identity
        // document, and OUTPOST_AGENT_NAME (set by whoever runs the script) picks it among several on one instance.
        var credential = token is null
            ? $"OUTPOST_AGENT_AUTH='{auth}'\nexport OUTPOST_AGENT_URL OUTPOST_AGENT_AUTH"
            : $"OUTPOST_AGENT_TOKEN='{token}'\nexport OUTPOST_AGENT_URL OUTPOST_AGENT_TOKEN";
        return $"""
            #!/bin/sh
            # Starts the Outpost agent {agentId}.
            set -eu
            OUTPOST_AGENT_URL='{Quote(url)}'
            {credential}
            exec {command} agent

            """;
    }

    private static string DefaultCommand()
    {
        var process = System.Environment.ProcessPath ?? "outpost";
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(entry)
            ? $"'{Quote(process)}' '{Quote(entry)}'"
            : $"'{Quote(process)}'";
    }

    private static string Quote(string value) => value.Replace("'", "'\\''", StringComparison.Ordinal);
}

/// <summary>
/// <c>outpost_agent_instance</c>: the cloud instance an agent runs on (Coder's <c>coder_agent_instance</c>), so the agent can
/// authenticate with the instance's identity document. Several agents may name the same instance.
/// </summary>
internal sealed class AgentInstanceResource : ProviderResource
{
    public const string Name = "outpost_agent_instance";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "The cloud instance an agent with instance-identity `auth` runs on: the EC2 instance id, the Azure VM id, or the Compute Engine instance id.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The id."),
            new("agent_id", CtyType.String, AttributeMode.Required, "The `id` of the `outpost_agent` that runs on the instance."),
            new("instance_id", CtyType.String, AttributeMode.Required, "The instance's id as its identity document states it (e.g. `aws_instance.dev.id`)."),
        ]);

    public override bool RequiresReplace(string attribute) => attribute is "agent_id" or "instance_id";
}

/// <summary><c>outpost_env</c>: an environment variable for an agent, merged by strategy (coder-spec §2).</summary>
internal sealed partial class EnvResource : ProviderResource
{
    public const string Name = "outpost_env";
    public static readonly string[] Strategies = ["replace", "append", "prepend", "error"];

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "An environment variable for an agent. Several with one name combine by `merge_strategy`, in resource address order; the agent's own `env` wins over all of them.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The id."),
            new("agent_id", CtyType.String, AttributeMode.Required, "The `id` of the `outpost_agent` it belongs to."),
            new("name", CtyType.String, AttributeMode.Required, "The variable's name (POSIX: letters, digits, underscores; not starting with a digit)."),
            new("value", CtyType.String, AttributeMode.Optional, "The value."),
            new("merge_strategy", CtyType.String, AttributeMode.OptionalComputed,
                "How it combines with an earlier one of the same name: `replace` (default), `append` (`old:new`), `prepend` (`new:old`) or `error` (fail the build if already set)."),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        foreach (var problem in Diagnostics.OneOf(config, "merge_strategy", Strategies))
        {
            yield return problem;
        }

        if (config.String("name") is { } name && !EnvName().IsMatch(name))
        {
            yield return Diagnostics.Error("invalid name", $"\"{name}\" is not a POSIX environment variable name", "name");
        }
    }

    public override void ApplyDefaults(SortedDictionary<string, object?> planned, ProviderEnvironment environment) =>
        planned["merge_strategy"] ??= "replace";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex EnvName();
}

/// <summary><c>outpost_script</c>: a script an agent runs on start, on stop or on a schedule.</summary>
internal sealed class ScriptResource : ProviderResource
{
    public const string Name = "outpost_script";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "A script an agent runs: when it starts, when it stops, or on a cron schedule.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The id."),
            new("agent_id", CtyType.String, AttributeMode.Required, "The `id` of the `outpost_agent` that runs it."),
            new("display_name", CtyType.String, AttributeMode.Required, "The name shown with its logs."),
            new("script", CtyType.String, AttributeMode.Required, "The script."),
            new("run_on_start", CtyType.Bool, AttributeMode.Optional, "Run when the agent starts."),
            new("run_on_stop", CtyType.Bool, AttributeMode.Optional, "Run when the agent stops."),
            new("start_blocks_login", CtyType.Bool, AttributeMode.Optional, "Logins wait until it finished."),
            new("cron", CtyType.String, AttributeMode.Optional, "A six-field cron schedule to run it on."),
            new("timeout", CtyType.Number, AttributeMode.Optional, "Seconds before it is considered hung (0 = no limit)."),
            new("log_path", CtyType.String, AttributeMode.Optional, "Where its output goes."),
            new("icon", CtyType.String, AttributeMode.Optional, "An icon URL."),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        var known = !config.IsUnknown("run_on_start") && !config.IsUnknown("run_on_stop") && !config.IsUnknown("cron");
        if (known && config.Bool("run_on_start") != true && config.Bool("run_on_stop") != true && config.String("cron") is null)
        {
            yield return Diagnostics.Error("the script never runs", "set at least one of run_on_start, run_on_stop or cron");
        }
    }
}

/// <summary><c>outpost_app</c>: an app an agent serves.</summary>
internal sealed partial class AppResource : ProviderResource
{
    public const string Name = "outpost_app";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "An app an agent serves, by URL or command.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The id."),
            new("agent_id", CtyType.String, AttributeMode.Required, "The `id` of the `outpost_agent` that serves it."),
            new("slug", CtyType.String, AttributeMode.Required, "Unique per agent: lowercase letters, digits and single hyphens."),
            new("display_name", CtyType.String, AttributeMode.Optional, "What people see (default: the slug)."),
            new("url", CtyType.String, AttributeMode.Optional, "Where it listens, from inside the workspace."),
            new("command", CtyType.String, AttributeMode.Optional, "A command that opens it in a terminal instead."),
            new("icon", CtyType.String, AttributeMode.Optional, "An icon URL."),
            new("share", CtyType.String, AttributeMode.Optional, "Who may open it: `owner` (default), `authenticated` or `public`."),
            new("subdomain", CtyType.Bool, AttributeMode.Optional, "Served on its own subdomain."),
            new("external", CtyType.Bool, AttributeMode.Optional, "The URL is opened as is, outside Outpost."),
            new("hidden", CtyType.Bool, AttributeMode.Optional, "Not listed."),
            new("order", CtyType.Number, AttributeMode.Optional, "Position among the agent's apps."),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        if (config.String("slug") is { } slug && !Slug().IsMatch(slug))
        {
            yield return Diagnostics.Error("invalid slug", $"\"{slug}\" must be lowercase letters and digits separated by single hyphens", "slug");
        }

        foreach (var problem in Diagnostics.OneOf(config, "share", "owner", "authenticated", "public"))
        {
            yield return problem;
        }

        if (config.String("url") is not null && config.String("command") is not null)
        {
            yield return Diagnostics.Error("url and command conflict", "an app has a url or a command, not both", "command");
        }
    }

    [GeneratedRegex("^[a-z0-9](-?[a-z0-9])*$")]
    private static partial Regex Slug();
}

/// <summary><c>outpost_ai_task</c>: the workspace runs an AI task; its id and prompt come from the task.</summary>
internal sealed class AiTaskResource : ProviderResource
{
    public const string Name = "outpost_ai_task";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "Marks the workspace as able to run an AI task; `prompt` is the task's prompt and `app_id` the app that shows it.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The task's id (OUTPOST_TASK_ID), or a new id outside a task."),
            new("prompt", CtyType.String, AttributeMode.Computed, "The task's prompt (OUTPOST_TASK_PROMPT); empty outside a task."),
            new("app_id", CtyType.String, AttributeMode.OptionalComputed,
                "The `id` of the `outpost_app` that shows the task (Coder's `coder_ai_task.app_id`); empty when the template names none."),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        // An app's id is known only after apply when it comes from an outpost_app; a literal must at least look like one.
        if (config.String("app_id") is { Length: > 0 } appId && !Guid.TryParse(appId, out _))
        {
            yield return Diagnostics.Error("invalid app_id", $"app_id must be the id of an outpost_app (a UUID), not \"{appId}\"", "app_id");
        }
    }

    public override void ApplyDefaults(SortedDictionary<string, object?> planned, ProviderEnvironment environment)
    {
        planned["app_id"] ??= string.Empty;
        planned["prompt"] = environment.Get(ProviderEnvironment.TaskPrompt) ?? string.Empty;
        if (environment.Get(ProviderEnvironment.TaskId) is { } id)
        {
            planned["id"] = id;
        }
    }
}
