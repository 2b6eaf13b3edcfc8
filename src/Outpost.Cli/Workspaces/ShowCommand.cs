using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost show NAME</c>: a workspace, its latest build and its agents.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var output = OutputFormat.CreateOption();
        var command = new Command("show", "Show a workspace, its latest build and its agents.") { name, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var workspace = await client.Api.GetWorkspaceByNameAsync("me", result.GetValue(name)!, ct).ConfigureAwait(false);
            var agents = await client.Api.ListWorkspaceAgentsAsync(workspace.Id, ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                var detailed = workspace with { Resources = WorkspaceResource.FromAgents(agents) };
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(detailed, OutpostJsonContext.Default.Workspace)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var build = workspace.LatestBuild;
            await context.Out.WriteLineAsync($"Workspace:  {workspace.Name} ({workspace.OwnerName})").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Template:   {workspace.TemplateName}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Status:     {WireName.Of(workspace.Status)}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Last build: #{build.BuildNumber} {WireName.Of(build.Transition)} ({WireName.Of(build.Reason)}), job {WireName.Of(build.Job.Status)}").ConfigureAwait(false);
            if (build.Job.Error is { } error)
            {
                await context.Out.WriteLineAsync($"Error:      {error}").ConfigureAwait(false);
            }

            foreach (var parameter in build.Parameters)
            {
                await context.Out.WriteLineAsync($"Parameter:  {parameter.Name}={parameter.Value}").ConfigureAwait(false);
            }

            // Sub-agents follow their parent, indented.
            foreach (var agent in agents.Where(a => a.ParentId is null || agents.All(p => p.Id != a.ParentId)))
            {
                await context.Out.WriteLineAsync("Agent:      " + Describe(agent)).ConfigureAwait(false);
                foreach (var child in agents.Where(a => a.ParentId == agent.Id))
                {
                    await context.Out.WriteLineAsync("  Sub-agent: " + Describe(child)).ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Describe(WorkspaceAgent agent) =>
        $"{agent.Name} in {agent.ResourceName} ({agent.OperatingSystem}/{agent.Architecture}), {WireName.Of(agent.LifecycleState)}"
        + (agent.Status is { } status ? $", {WireName.Of(status)}" : string.Empty)
        + (agent.Version.Length > 0 ? $", version {agent.Version}" : string.Empty);
}
