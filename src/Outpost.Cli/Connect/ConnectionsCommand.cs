using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Agents;

namespace Outpost.Cli.Connect;

/// <summary><c>outpost connections [WORKSPACE]</c>: the connection log, newest first (sessions and control-plane connections).</summary>
internal static class ConnectionsCommand
{
    public static Command Create(CliContext context)
    {
        var workspace = new Argument<string?>("workspace") { Description = "Only this workspace of yours.", Arity = ArgumentArity.ZeroOrOne };
        var type = new Option<string?>("--type") { Description = $"Only this type: {string.Join(", ", WireName<ConnectionType>.All)}." };
        type.AcceptOnlyFromAmong([.. WireName<ConnectionType>.All]);
        var open = new Option<bool>("--open") { Description = "Only connections that are still open." };
        var limit = new Option<int>("--limit") { Description = "At most this many rows (1-500).", DefaultValueFactory = _ => 50 };
        var output = OutputFormat.CreateOption();
        var command = new Command("connections", "List the connection log: terminals, commands, port forwards and agent connections.") { workspace, type, open, limit, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var query = new List<string> { $"limit={result.GetValue(limit).ToString(CultureInfo.InvariantCulture)}" };
            if (result.GetValue(workspace) is { } name)
            {
                var found = await client.Api.GetWorkspaceByNameAsync("me", name, ct).ConfigureAwait(false);
                query.Add($"workspace={found.Id}");
            }

            if (result.GetValue(type) is { } wanted)
            {
                query.Add($"type={wanted}");
            }

            if (result.GetValue(open))
            {
                query.Add("open=true");
            }

            var page = await client.Api.ListConnectionsAsync(string.Join('&', query), ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(page.Connections.ToList(), OutpostJsonContext.Default.ListConnectionLogEntry)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["STARTED", "TYPE", "WORKSPACE", "USER", "FROM", "DURATION", "BYTES IN/OUT", "EXIT", "ENDED"],
                page.Connections.Select(c => (IReadOnlyList<string>)
                [
                    c.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    WireName.Of(c.Type),
                    $"{c.WorkspaceName ?? "?"}.{c.AgentName}",
                    c.Username ?? "-",
                    c.ClientAddress ?? "-",
                    c.EndedAt is { } ended ? $"{(ended - c.StartedAt).TotalSeconds:0.0}s" : "open",
                    c.BytesToAgent is null ? "-" : $"{c.BytesToAgent}/{c.BytesToClient}",
                    c.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    c.EndedAt is null ? "-" : $"{c.DisconnectReason} ({c.DisconnectInitiator}): {c.DisconnectDetail}",
                ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
