using System.Globalization;
using System.Text.Json;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Environment;
using Outpost.Sdk;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Terraform;

/// <summary>One resource instance from <c>terraform show -json</c>.</summary>
internal sealed record TerraformResource(string Address, string Mode, string Type, string Name, JsonElement? Index, JsonElement Values, IReadOnlyList<string> DependsOn)
{
    /// <summary>The address without its instance key: <c>outpost_agent.main</c> for <c>outpost_agent.main[0]</c>.</summary>
    public string ConfigAddress => Address.Split('[', 2)[0];

    public string? String(string name) => Values.ValueKind == JsonValueKind.Object && Values.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        ? value.GetString()
        : null;

    public bool Bool(string name) => Values.ValueKind == JsonValueKind.Object && Values.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public int Int(string name, int fallback) =>
        Values.ValueKind == JsonValueKind.Object && Values.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? (int)value.GetDecimal() : fallback;

    public IReadOnlyDictionary<string, string> Map(string name)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Values.ValueKind == JsonValueKind.Object && Values.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject().Where(property => property.Value.ValueKind == JsonValueKind.String))
            {
                map[property.Name] = property.Value.GetString()!;
            }
        }

        return map;
    }

    public IEnumerable<JsonElement> Blocks(string name) =>
        Values.ValueKind == JsonValueKind.Object && Values.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    /// <summary>The agent's name: the resource's name, with the instance key when it has one other than 0.</summary>
    public string InstanceName => Index is { } index && !(index.ValueKind == JsonValueKind.Number && index.GetInt32() == 0)
        ? $"{Name}-{(index.ValueKind == JsonValueKind.String ? index.GetString() : index.GetRawText())}"
        : Name;
}

/// <summary>
/// Reads what Terraform planned or built (<c>terraform show -json</c>) into Outpost's terms:
/// resources, agents with their env (<c>outpost_env</c> in address order), scripts and apps,
/// and the parameters a template declares.
/// </summary>
internal static class TerraformJson
{
    public const string Agent = "outpost_agent";
    public const string Env = "outpost_env";
    public const string AgentInstance = "outpost_agent_instance";
    public const string Script = "outpost_script";
    public const string App = "outpost_app";
    public const string Parameter = "outpost_parameter";
    public const string Preset = "outpost_workspace_preset";
    public const string AiTask = "outpost_ai_task";

    /// <summary>Every resource instance of a <c>values</c> object (root module and child modules).</summary>
    public static List<TerraformResource> Resources(JsonElement values)
    {
        var resources = new List<TerraformResource>();
        if (values.ValueKind == JsonValueKind.Object && values.TryGetProperty("root_module", out var root))
        {
            Collect(root, resources);
        }

        return resources;
    }

    /// <summary>The state's resources after apply: <c>show -json</c> without a plan file.</summary>
    public static List<TerraformResource> StateResources(JsonElement show) =>
        show.TryGetProperty("values", out var values) ? Resources(values) : [];

    /// <summary>A plan's planned resources plus the data sources it read.</summary>
    public static List<TerraformResource> PlanResources(JsonElement plan)
    {
        var resources = plan.TryGetProperty("planned_values", out var planned) ? Resources(planned) : [];
        if (plan.TryGetProperty("prior_state", out var prior) && prior.TryGetProperty("values", out var priorValues))
        {
            var known = resources.Select(resource => resource.Address).ToHashSet(StringComparer.Ordinal);
            resources.AddRange(Resources(priorValues).Where(resource => resource.Mode == "data" && !known.Contains(resource.Address)));
        }

        return resources;
    }

    /// <summary>
    /// At plan time an env's <c>agent_id</c> is usually unknown (the agent does not exist yet), so
    /// envs are matched to agents through what the configuration references.
    /// </summary>
    public static Dictionary<string, string> AgentReferences(JsonElement plan)
    {
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!plan.TryGetProperty("configuration", out var configuration) || !configuration.TryGetProperty("root_module", out var root) ||
            !root.TryGetProperty("resources", out var resources))
        {
            return references;
        }

        foreach (var resource in resources.EnumerateArray())
        {
            if (resource.TryGetProperty("expressions", out var expressions) && expressions.TryGetProperty("agent_id", out var agentId) &&
                agentId.TryGetProperty("references", out var refs))
            {
                var agent = refs.EnumerateArray().Select(r => r.GetString() ?? string.Empty)
                    .FirstOrDefault(r => r.StartsWith(Agent + ".", StringComparison.Ordinal));
                if (agent is not null)
                {
                    var parts = agent.Split('.');
                    references[resource.GetProperty("address").GetString()!] = $"{parts[0]}.{parts[1].Split('[', 2)[0]}";
                }
            }
        }

        return references;
    }

    /// <summary>Every resource address each root-module resource's configuration refers to (its expressions and provisioners), without instance keys.</summary>
    public static Dictionary<string, HashSet<string>> ConfigurationReferences(JsonElement plan)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (!plan.TryGetProperty("configuration", out var configuration) || !configuration.TryGetProperty("root_module", out var root) ||
            !root.TryGetProperty("resources", out var resources))
        {
            return result;
        }

        foreach (var resource in resources.EnumerateArray())
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            CollectReferences(resource, found);
            result[resource.GetProperty("address").GetString()!] = found;
        }

        return result;
    }

    private static void CollectReferences(JsonElement element, HashSet<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "references" && property.Value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var reference in property.Value.EnumerateArray().Select(r => r.GetString() ?? string.Empty))
                        {
                            var parts = reference.Split('.');
                            if (parts.Length >= 2)
                            {
                                found.Add($"{parts[0]}.{parts[1].Split('[', 2)[0]}");
                            }
                        }
                    }
                    else
                    {
                        CollectReferences(property.Value, found);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectReferences(item, found);
                }

                break;
        }
    }

    /// <summary>Each planned agent's env inputs for the merge, by the agent's address.</summary>
    public static List<PlannedAgentEnvironment> PlannedEnvironments(JsonElement plan)
    {
        var resources = PlanResources(plan).Where(resource => resource.Mode == "managed").ToList();
        var agents = resources.Where(resource => resource.Type == Agent).ToList();
        var references = AgentReferences(plan);
        var result = new List<PlannedAgentEnvironment>();
        foreach (var agent in agents)
        {
            var envs = resources
                .Where(env => env.Type == Env && BelongsTo(env, agent, agents, references))
                .OrderBy(env => env.Address, StringComparer.Ordinal)
                .Select(ToExtraEnv)
                .ToList();
            result.Add(new PlannedAgentEnvironment(agent.InstanceName, agent.Address, envs, agent.Map("env")));
        }

        return result;
    }

    /// <summary>What exists after apply, in Outpost's terms (env not merged: the daemon merges once, at plan time).</summary>
    public static List<ProvisionedResource> ToResources(List<TerraformResource> resources, bool withTokens, IReadOnlyDictionary<string, HashSet<string>>? configurationReferences = null)
    {
        var managed = resources.Where(resource => resource.Mode == "managed").ToList();
        var agents = managed.Where(resource => resource.Type == Agent).ToList();
        var hosts = managed.Where(resource => !resource.Type.StartsWith("outpost_", StringComparison.Ordinal)).ToList();
        var attached = new Dictionary<string, List<ProvisionedAgent>>(StringComparer.Ordinal);
        var result = new List<ProvisionedResource>();
        foreach (var agent in agents)
        {
            var converted = ToAgent(agent, managed, agents, withTokens);
            // An agent runs in the first resource that depends on it (the container, the process); else it stands alone.
            // (A plan has no depends_on yet: there the configuration's references tell.)
            var host = hosts.FirstOrDefault(resource => resource.DependsOn.Contains(agent.ConfigAddress, StringComparer.Ordinal)
                || (configurationReferences?.TryGetValue(resource.ConfigAddress, out var references) == true && references.Contains(agent.ConfigAddress)));
            if (host is null)
            {
                result.Add(new ProvisionedResource { Name = agent.InstanceName, Type = Agent, Agents = [converted] });
                continue;
            }

            if (!attached.TryGetValue(host.Address, out var list))
            {
                attached[host.Address] = list = [];
            }

            list.Add(converted);
        }

        result.AddRange(hosts.Select(host => new ProvisionedResource
        {
            Name = host.InstanceName,
            Type = host.Type,
            Agents = attached.TryGetValue(host.Address, out var list) ? list : [],
        }));
        // Reported so the server knows the version can run AI tasks (docs/tasks.md).
        result.AddRange(managed.Where(resource => resource.Type == AiTask).Select(task => new ProvisionedResource { Name = task.InstanceName, Type = AiTask }));
        return result;
    }

    /// <summary>The parameters the template's <c>outpost_parameter</c> data sources declare.</summary>
    public static List<TemplateVersionParameter> Parameters(List<TerraformResource> resources) =>
    [
        .. resources.Where(resource => resource.Mode == "data" && resource.Type == Parameter)
            .Select(parameter => new TemplateVersionParameter
            {
                Name = parameter.String("name") ?? parameter.Name,
                Type = WireName<ParameterType>.TryParse(parameter.String("type"), out var type) ? type : ParameterType.String,
                Description = parameter.String("description") ?? string.Empty,
                DefaultValue = parameter.String("default"),
                Options = [.. parameter.Blocks("option").Select(option => option.TryGetProperty("value", out var value) ? value.GetString() ?? string.Empty : string.Empty)],
                Mutable = parameter.Bool("mutable"),
            })
            .DistinctBy(parameter => parameter.Name),
    ];

    /// <summary>A state file's lineage and serial; (null, 0) when there is no state or it is not terraform's.</summary>
    public static (string? Lineage, long Serial) StateVersion(byte[]? state)
    {
        if (state is not { Length: > 0 })
        {
            return (null, 0);
        }

        try
        {
            using var document = JsonDocument.Parse(state);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("lineage", out var lineage) && lineage.ValueKind == JsonValueKind.String
                && root.TryGetProperty("serial", out var serial) && serial.TryGetInt64(out var number)
                ? (lineage.GetString(), number)
                : (null, 0);
        }
        catch (JsonException)
        {
            return (null, 0);
        }
    }

    /// <summary>The <c>outpost_workspace_preset</c> data sources, by name (the first of a name wins).</summary>
    public static List<TemplateVersionPreset> Presets(List<TerraformResource> resources) =>
    [
        .. resources.Where(resource => resource.Mode == "data" && resource.Type == Preset)
            .OrderBy(preset => preset.Address, StringComparer.Ordinal)
            .Select(preset => new TemplateVersionPreset
            {
                Name = preset.String("name") ?? preset.Name,
                Description = preset.String("description") ?? string.Empty,
                Default = preset.Bool("default"),
                Parameters = preset.Map("parameters"),
                Prebuilds = preset.Blocks("prebuilds").Select(block => block.TryGetProperty("instances", out var instances) && instances.TryGetInt32(out var count)
                    ? new PresetPrebuilds { Instances = Math.Max(0, count) }
                    : null).FirstOrDefault(),
            })
            .DistinctBy(preset => preset.Name),
    ];

    private static bool BelongsTo(TerraformResource child, TerraformResource agent, List<TerraformResource> agents, Dictionary<string, string> references)
    {
        if (child.String("agent_id") is { } id && agent.String("id") is { } agentId)
        {
            return id == agentId;
        }

        if (!references.TryGetValue(child.ConfigAddress, out var referenced) || referenced != agent.ConfigAddress)
        {
            return false;
        }

        // Same instance key when the agent has several instances; otherwise its only instance.
        var instances = agents.Where(candidate => candidate.ConfigAddress == referenced).ToList();
        return instances.Count == 1 || Equals(child.Index?.GetRawText(), agent.Index?.GetRawText());
    }

    private static ExtraEnv ToExtraEnv(TerraformResource env) =>
        new(env.String("name") ?? string.Empty, env.String("value") ?? string.Empty, env.String("merge_strategy") ?? ExtraEnv.Replace);

    private static ProvisionedAgent ToAgent(TerraformResource agent, List<TerraformResource> managed, List<TerraformResource> agents, bool withTokens)
    {
        var children = managed.Where(resource => resource.String("agent_id") is { } id && id == agent.String("id")).OrderBy(resource => resource.Address, StringComparer.Ordinal).ToList();
        var scripts = new List<AgentScript>();
        if (agent.String("startup_script") is { Length: > 0 } startup)
        {
            scripts.Add(new AgentScript { DisplayName = "startup", Script = startup, RunOnStart = true });
        }

        if (agent.String("shutdown_script") is { Length: > 0 } shutdown)
        {
            scripts.Add(new AgentScript { DisplayName = "shutdown", Script = shutdown, RunOnStop = true });
        }

        scripts.AddRange(children.Where(child => child.Type == Script).Select(script => new AgentScript
        {
            DisplayName = script.String("display_name") ?? script.Name,
            Script = script.String("script") ?? string.Empty,
            RunOnStart = script.Bool("run_on_start"),
            RunOnStop = script.Bool("run_on_stop"),
            TimeoutSeconds = script.Int("timeout", 0),
        }));
        return new ProvisionedAgent
        {
            Name = agent.InstanceName,
            Directory = agent.String("dir") ?? string.Empty,
            OperatingSystem = agent.String("os") ?? "linux",
            Architecture = agent.String("arch") ?? "amd64",
            Env = agent.Map("env"),
            ExtraEnvs =
            [
                .. children.Where(child => child.Type == Env).Select(ToExtraEnv).Select(env => new ExtraEnvEntry
                {
                    Name = env.Name,
                    Value = env.Value,
                    MergeStrategy = env.MergeStrategy switch
                    {
                        ExtraEnv.Append => EnvMergeStrategy.Append,
                        ExtraEnv.Prepend => EnvMergeStrategy.Prepend,
                        ExtraEnv.Error => EnvMergeStrategy.Error,
                        _ => EnvMergeStrategy.Replace,
                    },
                }),
            ],
            Scripts = scripts,
            Apps =
            [
                .. children.Where(child => child.Type == App).Select(app => new AgentApp
                {
                    Slug = app.String("slug") ?? app.Name,
                    DisplayName = app.String("display_name") ?? app.String("slug") ?? app.Name,
                    Url = app.String("url"),
                }),
            ],
            ConnectionTimeoutSeconds = agent.Int("connection_timeout", 120),
            AuthToken = withTokens && (agent.String("auth") ?? "token") == "token" ? agent.String("token") : null,
            AuthInstanceId = children.Where(child => child.Type == AgentInstance).Select(child => child.String("instance_id")).FirstOrDefault(id => !string.IsNullOrEmpty(id)),
        };
    }

    private static void Collect(JsonElement module, List<TerraformResource> resources)
    {
        if (module.TryGetProperty("resources", out var list))
        {
            foreach (var resource in list.EnumerateArray())
            {
                resources.Add(new TerraformResource(
                    resource.GetProperty("address").GetString()!,
                    resource.TryGetProperty("mode", out var mode) ? mode.GetString()! : "managed",
                    resource.GetProperty("type").GetString()!,
                    resource.GetProperty("name").GetString()!,
                    resource.TryGetProperty("index", out var index) ? index.Clone() : null,
                    resource.TryGetProperty("values", out var values) ? values.Clone() : default,
                    resource.TryGetProperty("depends_on", out var depends) ? [.. depends.EnumerateArray().Select(d => d.GetString()!)] : []));
            }
        }

        if (module.TryGetProperty("child_modules", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                Collect(child, resources);
            }
        }
    }

    internal static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
