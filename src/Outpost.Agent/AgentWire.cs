using System.Text.Json;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;

namespace Outpost.Agent;

/// <summary>Wire spellings for log lines, so a log reads the same values the API carries.</summary>
internal static class AgentWire
{
    public static string Name(AgentLifecycleState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    public static string Name(WorkspaceTransition? transition) => transition is { } value ? JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()) : "none";
}
