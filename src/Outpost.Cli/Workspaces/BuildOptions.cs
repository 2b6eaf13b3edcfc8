using System.CommandLine;
using Outpost.Cli.Workspaces.Progress;

namespace Outpost.Cli.Workspaces;

/// <summary>What the verbs that queue builds read from their command line.</summary>
internal readonly record struct BuildFlags(bool NoWait, bool WaitForBusy, bool CancelOnInterrupt)
{
    public FollowOptions Follow(bool waitForAgents) => new(waitForAgents, CancelOnInterrupt);
}

/// <summary>The options every build verb takes: <c>--no-wait</c>, <c>--wait</c>, <c>--cancel-on-interrupt</c>.</summary>
internal sealed class BuildOptions
{
    public Option<bool> NoWait { get; } = new("--no-wait") { Description = "Queue the build and return: no progress, no waiting for the agents." };

    public Option<bool> Wait { get; } = new("--wait", "-w") { Description = "If another build of the workspace is still active, wait for it to finish first." };

    public Option<bool> CancelOnInterrupt { get; } = new("--cancel-on-interrupt") { Description = "Ctrl-C cancels the build (by default it only stops waiting; the build goes on)." };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(NoWait);
        command.Options.Add(Wait);
        command.Options.Add(CancelOnInterrupt);
    }

    public BuildFlags Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new BuildFlags(result.GetValue(NoWait), result.GetValue(Wait), result.GetValue(CancelOnInterrupt));
    }
}
