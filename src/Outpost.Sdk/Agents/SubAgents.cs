using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Agents;

/// <summary>
/// Sub-agents: an agent registers child agents through its own API (the way a dev container gets its own agent).
/// <list type="bullet">
/// <item><c>POST {AgentApi.Prefix}/subagents</c> (<see cref="CreateSubAgentRequest"/>) → 201 <see cref="SubAgentCreated"/>: a
/// new agent in the same build and resource, with its own id and token, never the parent's instance id.</item>
/// <item><c>GET {AgentApi.Prefix}/subagents</c> → <see cref="SubAgentList"/>: the caller's children.</item>
/// <item><c>DELETE {AgentApi.Prefix}/subagents/{id}</c> → 204: removes one of the caller's children.</item>
/// </list>
/// Only a build's own (root) agents may register children; children go when their parent's build goes.
/// </summary>
public static class SubAgentApi
{
    /// <summary>The route, under <see cref="AgentApi.Prefix"/>.</summary>
    public const string Path = AgentApi.Prefix + "/subagents";

    /// <summary>The most children one agent may have.</summary>
    public const int MaxPerParent = 32;

    /// <summary>What is wrong with a request, by field; empty when nothing is.</summary>
    public static Dictionary<string, string[]> Check(CreateSubAgentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!NameRules.IsLabel(request.Name))
        {
            errors["name"] = [$"\"{request.Name}\" is not an agent name: lowercase letters, digits and single hyphens, at most {NameRules.MaxLabelLength} characters"];
        }

        if (request.OperatingSystem is not ("linux" or "darwin" or "windows"))
        {
            errors["operating_system"] = ["must be linux, darwin or windows"];
        }

        if (request.Architecture is not ("amd64" or "arm64" or "armv7"))
        {
            errors["architecture"] = ["must be amd64, arm64 or armv7"];
        }

        var names = (request.Env?.Keys ?? []).Select(name => ("env." + name, name))
            .Concat((request.ExtraEnvs ?? []).Select((e, i) => ($"extra_envs[{i}].name", e.Name)));
        foreach (var (field, name) in names)
        {
            if (!NameRules.IsEnvName(name))
            {
                errors[field] = [$"\"{name}\" is not an environment variable name (letters, digits and _, not starting with a digit)"];
            }
            else if (NameRules.IsReservedEnvName(name))
            {
                errors[field] = [$"\"{name}\" starts with {NameRules.ReservedEnvPrefix}, which Outpost reserves for the variables it sets"];
            }
        }

        return errors;
    }
}

/// <summary>A child agent to register.</summary>
public sealed record CreateSubAgentRequest
{
    /// <summary>Its name: a DNS label, unique in the workspace's build.</summary>
    public required string Name { get; init; }

    /// <summary>Its working directory.</summary>
    public string Directory { get; init; } = string.Empty;

    /// <summary><c>linux</c>, <c>darwin</c> or <c>windows</c>.</summary>
    public string OperatingSystem { get; init; } = "linux";

    /// <summary><c>amd64</c>, <c>arm64</c> or <c>armv7</c>.</summary>
    public string Architecture { get; init; } = "amd64";

    /// <summary>Its own variables; they win over <see cref="ExtraEnvs"/>.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>Variables merged by strategy in order, as <c>outpost_env</c> is for a build's agents.</summary>
    public IReadOnlyList<ExtraEnvEntry>? ExtraEnvs { get; init; }
}

/// <summary>A registered child agent and the token it authenticates with (shown once; only its hash is kept).</summary>
public sealed record SubAgentCreated
{
    /// <summary>Its id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>The token it authenticates with (<see cref="AgentEnvironment.AgentToken"/>); it lives as long as its parent's build.</summary>
    public required string AuthToken { get; init; }
}

/// <summary>An agent's children.</summary>
public sealed record SubAgentList
{
    /// <summary>The children, by name.</summary>
    public required IReadOnlyList<SubAgent> Agents { get; init; }
}

/// <summary>A child agent as its parent sees it.</summary>
public sealed record SubAgent
{
    /// <summary>Its id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>Its working directory.</summary>
    public string Directory { get; init; } = string.Empty;

    /// <summary>The last lifecycle state it reported.</summary>
    public required AgentLifecycleState LifecycleState { get; init; }

    /// <summary>When it was registered.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
