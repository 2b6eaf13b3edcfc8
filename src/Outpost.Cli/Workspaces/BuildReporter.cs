using System.Text.Json;

namespace Outpost.Cli.Workspaces;

/// <summary>How the workspace verbs spell wire enums for people: their snake_case wire names.</summary>
internal static class BuildReporter
{
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
