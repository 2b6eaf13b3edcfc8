using Npgsql;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>Row counts of the tables a refused request could have written to; equal snapshots mean nothing changed.</summary>
internal static class DatabaseSnapshot
{
    private static readonly string[] Tables =
    [
        "users", "api_keys", "user_sessions", "templates", "template_versions", "files", "workspaces",
        "workspace_builds", "provisioner_jobs", "provisioner_keys", "workspace_agents", "agent_logs",
    ];

    public static async Task<string> TakeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().WithTimeout();
        var parts = new List<string>();
        foreach (var table in Tables)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            parts.Add($"{table}={await command.ExecuteScalarAsync().WithTimeout()}");
        }

        return string.Join(' ', parts);
    }
}
