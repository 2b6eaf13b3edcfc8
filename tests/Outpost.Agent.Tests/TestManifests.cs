using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;

namespace Outpost.Agent.Tests;

internal static class TestManifests
{
    public static AgentManifest Create(string? directory = null, IReadOnlyList<AgentScript>? scripts = null, IReadOnlyDictionary<string, string>? environment = null) => new()
    {
        AgentId = Guid.Parse("11111111-1111-1111-1111-111111111111"),
        AgentName = "main",
        WorkspaceId = Guid.Parse("22222222-2222-2222-2222-222222222222"),
        WorkspaceName = "dev",
        OwnerName = "alice",
        BuildId = Guid.Parse("33333333-3333-3333-3333-333333333333"),
        Directory = directory ?? Path.GetTempPath(),
        Environment = environment ?? new Dictionary<string, string>(),
        Scripts = scripts ?? [],
        Apps = [],
        HeartbeatIntervalSeconds = 10,
    };

    public static AgentScript Script(string name, string script, bool onStart = true, int timeoutSeconds = 0) => new()
    {
        DisplayName = name,
        Script = script,
        RunOnStart = onStart,
        RunOnStop = !onStart,
        TimeoutSeconds = timeoutSeconds,
    };
}
