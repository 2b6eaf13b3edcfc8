using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost list</c>: your workspaces (every page).</summary>
internal static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var all = new Option<bool>("--all", "-a") { Description = "Everyone's workspaces you may see, not just yours." };
        var command = new Command("list", "List workspaces.") { output, all };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var workspaces = await ListAllAsync(client.Api, result.GetValue(all) ? null : "owner=me", ct).ConfigureAwait(false);

            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(workspaces, OutpostJsonContext.Default.ListWorkspace)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["NAME", "OWNER", "TEMPLATE", "STATUS", "LAST BUILD", "UPDATED"], workspaces.Select(w => (IReadOnlyList<string>)
            [
                w.Name, w.OwnerName, w.TemplateName, WireName.Of(w.Status),
                $"#{w.LatestBuild.BuildNumber} {WireName.Of(w.LatestBuild.Transition)}",
                w.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>Every page of <c>GET /api/v2/workspaces</c> with <paramref name="filter"/> (e.g. <c>owner=me</c>).</summary>
    public static async Task<List<Workspace>> ListAllAsync(OutpostApiClient api, string? filter, CancellationToken cancellationToken)
    {
        var workspaces = new List<Workspace>();
        Guid? after = null;
        do
        {
            var query = (filter is null ? "limit=200" : $"{filter}&limit=200") + (after is { } cursor ? $"&after={cursor}" : string.Empty);
            var page = await api.ListWorkspacesAsync(query, cancellationToken).ConfigureAwait(false);
            workspaces.AddRange(page.Workspaces);
            after = page.NextAfter;
        }
        while (after is not null);

        return workspaces;
    }
}
