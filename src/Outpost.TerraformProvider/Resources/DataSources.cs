using System.Globalization;
using System.Text.RegularExpressions;
using Outpost.Sdk.Secrets;
using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Protocol;
using Outpost.TerraformProvider.Schema;

namespace Outpost.TerraformProvider.Resources;

/// <summary><c>outpost_workspace</c>: the workspace being built.</summary>
internal sealed class WorkspaceDataSource : ProviderDataSource
{
    public const string Name = "outpost_workspace";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "The workspace being built. Use `start_count` as the `count` of what exists only while it runs.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The workspace's id."),
            new("name", CtyType.String, AttributeMode.Computed, "The workspace's name."),
            new("transition", CtyType.String, AttributeMode.Computed, "`start`, `stop` or `delete`."),
            new("start_count", CtyType.Number, AttributeMode.Computed, "1 on a start build, else 0."),
            new("build_id", CtyType.String, AttributeMode.Computed, "The build's id (empty outside a build)."),
            new("is_prebuild", CtyType.Bool, AttributeMode.Computed, "Whether the build is a prebuild."),
            new("access_url", CtyType.String, AttributeMode.Computed, "The URL agents reach the server at."),
            new("template_name", CtyType.String, AttributeMode.Computed, "The template's name."),
            new("template_version", CtyType.String, AttributeMode.Computed, "The template version's id."),
        ]);

    public override IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        var transition = environment.WorkspaceTransition;
        state["id"] = environment.Get(ProviderEnvironment.WorkspaceId) ?? Guid.Empty.ToString("D");
        state["name"] = environment.Get(ProviderEnvironment.WorkspaceName) ?? "default";
        state["transition"] = transition;
        state["start_count"] = transition == "start" ? 1m : 0m;
        state["build_id"] = environment.Get(ProviderEnvironment.BuildId) ?? string.Empty;
        state["is_prebuild"] = environment.Get(ProviderEnvironment.IsPrebuild) == "true";
        state["access_url"] = environment.Get(ProviderEnvironment.AccessUrl) ?? string.Empty;
        state["template_name"] = environment.Get(ProviderEnvironment.TemplateName) ?? string.Empty;
        state["template_version"] = environment.Get(ProviderEnvironment.TemplateVersion) ?? string.Empty;
        return [];
    }
}

/// <summary><c>outpost_workspace_owner</c>: who owns the workspace.</summary>
internal sealed class WorkspaceOwnerDataSource : ProviderDataSource
{
    public const string Name = "outpost_workspace_owner";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "The workspace's owner.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The owner's user id."),
            new("name", CtyType.String, AttributeMode.Computed, "The owner's username."),
            new("full_name", CtyType.String, AttributeMode.Computed, "The owner's full name."),
            new("email", CtyType.String, AttributeMode.Computed, "The owner's email address."),
        ]);

    public override IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        state["id"] = environment.Get(ProviderEnvironment.OwnerId) ?? Guid.Empty.ToString("D");
        state["name"] = environment.Get(ProviderEnvironment.OwnerName) ?? "default";
        state["full_name"] = environment.Get(ProviderEnvironment.OwnerFullName) ?? string.Empty;
        state["email"] = environment.Get(ProviderEnvironment.OwnerEmail) ?? string.Empty;
        return [];
    }
}

/// <summary><c>outpost_workspace_preset</c>: a named set of parameter values people can pick.</summary>
internal sealed class WorkspacePresetDataSource : ProviderDataSource
{
    public const string Name = "outpost_workspace_preset";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "A preset: a named set of parameter values offered when a workspace is created.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The preset's name, as its id."),
            new("name", CtyType.String, AttributeMode.Required, "The preset's name."),
            new("description", CtyType.String, AttributeMode.Optional, "What it is for."),
            new("default", CtyType.Bool, AttributeMode.Optional, "Picked unless someone picks another."),
            new("parameters", CtyType.Map(CtyType.String), AttributeMode.Optional, "Parameter values by parameter name."),
        ],
        [
            new("prebuilds", new SchemaBlock(
                "Keep prebuilt workspaces of this preset ready; `outpost create --preset` claims one (docs/prebuilds.md).",
                [new("instances", CtyType.Number, AttributeMode.Required, "How many ready prebuilt workspaces to keep.")]), MaxItems: 1),
        ]);

    public override IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        state["id"] = state.String("name");
        return [];
    }
}

/// <summary><c>outpost_secret</c>: a user secret, exposed to the build as an env variable or file (seed 003).</summary>
internal sealed partial class SecretDataSource : ProviderDataSource
{
    public const string Name = "outpost_secret";

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "A secret the workspace owner stores in Outpost, bound to an environment variable name (`env`) or a file path (`file`). Only start builds receive values.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "`env:<NAME>` or `file:<PATH>`."),
            new("env", CtyType.String, AttributeMode.Optional, "The environment variable name the secret is bound to."),
            new("file", CtyType.String, AttributeMode.Optional, "The file path the secret is bound to (starts with `~/` or `/`)."),
            new("help_message", CtyType.String, AttributeMode.Required, "Tells the owner how to provide the secret when it is missing."),
            new("value", CtyType.String, AttributeMode.Computed, "The secret's value (empty on stop and delete builds and outside builds).", Sensitive: true),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        if (config.IsUnknown("env") || config.IsUnknown("file"))
        {
            yield break;
        }

        var (env, file) = (config.String("env"), config.String("file"));
        if ((env is null) == (file is null))
        {
            yield return Diagnostics.Error("invalid secret", "exactly one of `env` or `file` must be set");
            yield break;
        }

        if (env is not null && !EnvResource.EnvName().IsMatch(env))
        {
            yield return Diagnostics.Error("invalid env", $"\"{env}\" is not a POSIX-compliant environment variable name", "env");
        }

        if (file is not null && !file.StartsWith("~/", StringComparison.Ordinal) && !file.StartsWith('/'))
        {
            yield return Diagnostics.Error("invalid file", "`file` must start with `~/` or `/`", "file");
        }
    }

    public override IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        var problems = Validate(state).ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        var (env, file) = (state.String("env"), state.String("file"));
        var variable = env is not null ? SecretEncoding.EnvVariable(env) : SecretEncoding.FileVariable(file!);
        state["id"] = env is not null ? $"env:{env}" : $"file:{file}";
        var value = environment.Get(variable);
        if (value is null && environment.WorkspaceTransition == "start" && environment.InBuild)
        {
            return [Diagnostics.Error(MissingSecret.Summary(env, file), MissingSecret.Detail(env, file, state.String("help_message")))];
        }

        state["value"] = value ?? string.Empty;
        return [];
    }
}

/// <summary><c>outpost_parameter</c>: a value people choose when they create or update a workspace.</summary>
internal sealed partial class ParameterDataSource : ProviderDataSource
{
    public const string Name = "outpost_parameter";
    public static readonly string[] Types = ["string", "number", "bool", "list(string)"];

    public override string TypeName => Name;

    public override SchemaBlock Schema { get; } = new(
        "A parameter of the template: its value comes from the person building the workspace, else its default.",
        [
            new("id", CtyType.String, AttributeMode.Computed, "The parameter's name, as its id."),
            new("name", CtyType.String, AttributeMode.Required, "The name: lowercase letters, digits and underscores, starting with a letter."),
            new("display_name", CtyType.String, AttributeMode.Optional, "What people see."),
            new("description", CtyType.String, AttributeMode.Optional, "What it is for."),
            new("type", CtyType.String, AttributeMode.OptionalComputed, "`string` (default), `number`, `bool` or `list(string)`."),
            new("default", CtyType.String, AttributeMode.Optional, "The default; without one the parameter is required."),
            new("mutable", CtyType.Bool, AttributeMode.Optional, "Whether later builds may change it."),
            new("ephemeral", CtyType.Bool, AttributeMode.Optional, "Used for one build only."),
            new("icon", CtyType.String, AttributeMode.Optional, "An icon URL."),
            new("order", CtyType.Number, AttributeMode.Optional, "Position among the parameters."),
            new("value", CtyType.String, AttributeMode.Computed, "The value for this build."),
            new("optional", CtyType.Bool, AttributeMode.Computed, "Whether it has a default."),
        ],
        [
            new("option", new SchemaBlock("An allowed value.",
            [
                new("name", CtyType.String, AttributeMode.Required, "What people see."),
                new("value", CtyType.String, AttributeMode.Required, "The value."),
                new("description", CtyType.String, AttributeMode.Optional, "What it means."),
                new("icon", CtyType.String, AttributeMode.Optional, "An icon URL."),
            ])),
            new("validation", new SchemaBlock("Rules the value must follow.",
            [
                new("min", CtyType.Number, AttributeMode.Optional, "The smallest number allowed."),
                new("max", CtyType.Number, AttributeMode.Optional, "The largest number allowed."),
                new("regex", CtyType.String, AttributeMode.Optional, "A pattern string values must match."),
                new("error", CtyType.String, AttributeMode.Optional, "The message when the value breaks a rule."),
            ]), MaxItems: 1),
        ]);

    public override IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config)
    {
        if (config.String("name") is { } name && !ParameterName().IsMatch(name))
        {
            yield return Diagnostics.Error("invalid name", $"\"{name}\" must be lowercase letters, digits and underscores, starting with a letter", "name");
        }

        foreach (var problem in Diagnostics.OneOf(config, "type", Types))
        {
            yield return problem;
        }

        if (config.String("default") is { } defaultValue && !config.IsUnknown("type") && Check(config, defaultValue) is { } error)
        {
            yield return Diagnostics.Error("invalid default", error, "default");
        }
    }

    public override IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        state["type"] ??= "string";
        var name = state.String("name")!;
        var defaultValue = state.String("default");
        state["id"] = name;
        state["optional"] = defaultValue is not null;
        var given = environment.Get(ProviderEnvironment.ParameterVariable(name));
        var value = given ?? defaultValue;
        if (value is null)
        {
            if (environment.InBuild)
            {
                return [Diagnostics.Error($"parameter \"{name}\" requires a value", "it has no default and the build did not give it one", "value")];
            }

            value = string.Empty;
        }
        else if (Check(state, value) is { } error)
        {
            return [Diagnostics.Error($"invalid value for parameter \"{name}\"", error, "value")];
        }

        state["value"] = value;
        return [];
    }

    /// <summary>Why <paramref name="value"/> does not fit the parameter's type, options and validation; null when it does.</summary>
    private static string? Check(IReadOnlyDictionary<string, object?> parameter, string value)
    {
        var type = parameter.String("type") ?? "string";
        var options = parameter.Blocks("option").Select(option => option.String("value")).OfType<string>().ToList();
        var validation = parameter.Blocks("validation").FirstOrDefault();
        var custom = validation?.String("error");
        switch (type)
        {
            case "number":
                if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return $"\"{value}\" is not a number";
                }

                if ((validation?.Number("min") is { } min && number < min) || (validation?.Number("max") is { } max && number > max))
                {
                    return custom ?? $"{value} is outside [{validation.Number("min")?.ToString(CultureInfo.InvariantCulture) ?? "-∞"}, {validation.Number("max")?.ToString(CultureInfo.InvariantCulture) ?? "∞"}]";
                }

                break;
            case "bool" when value is not ("true" or "false"):
                return $"\"{value}\" is not true or false";
            case "string" when validation?.String("regex") is { } pattern && !Regex.IsMatch(value, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)):
                return custom ?? $"\"{value}\" does not match {pattern}";
        }

        return options.Count > 0 && type != "list(string)" && !options.Contains(value, StringComparer.Ordinal)
            ? $"\"{value}\" is not one of the options: {string.Join(", ", options)}"
            : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ParameterName();
}
