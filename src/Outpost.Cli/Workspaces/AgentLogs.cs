using System.Globalization;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Client;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost logs NAME --agents [--follow]</c>: the agents' script output, read on by id.</summary>
internal static class AgentLogs
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static async Task<int> PrintAsync(CliContext context, OutpostApiClient api, Workspace workspace, bool follow, CancellationToken cancellationToken)
    {
        var agents = await api.ListWorkspaceAgentsAsync(workspace.Id, cancellationToken).ConfigureAwait(false);
        if (agents.Count == 0)
        {
            await context.Error.WriteLineAsync($"{workspace.Name} has no agents in build #{workspace.LatestBuild.BuildNumber}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var after = agents.ToDictionary(a => a.Id, _ => 0L);
        try
        {
            while (true)
            {
                foreach (var agent in agents)
                {
                    // Pages of up to 1,000 lines: read until a short page.
                    List<AgentLogEntry> page;
                    do
                    {
                        page = await api.ListAgentLogsAsync(agent.Id, after[agent.Id], cancellationToken).ConfigureAwait(false);
                        foreach (var line in page)
                        {
                            await context.Out.WriteLineAsync(Format(agents.Count > 1 ? agent.Name : null, line)).ConfigureAwait(false);
                            after[agent.Id] = line.Id;
                        }
                    }
                    while (page.Count >= 1000);
                }

                if (!follow)
                {
                    return ExitCodes.Success;
                }

                await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(Poll, context.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (follow && cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C is how following agent logs ends.
            return ExitCodes.Success;
        }
    }

    public static string Format(string? agent, AgentLogEntry line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var time = line.CreatedAt.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return agent is null ? $"{time} [{line.Source}] {line.Output}" : $"{time} {agent} [{line.Source}] {line.Output}";
    }
}
