using Outpost.Provisioner.Local;

namespace Outpost.Provisioner.Tests.Local;

public sealed class AgentLaunchCommandTests
{
    [Fact]
    public void The_default_runs_this_executables_agent_verb_passing_the_entry_assembly_to_a_dotnet_host()
    {
        var command = AgentLaunchCommand.Default();

        Assert.Equal(System.Environment.ProcessPath, command[0]);
        Assert.Equal("agent", command[^1]);
        if (Path.GetFileNameWithoutExtension(command[0]) == "dotnet")
        {
            Assert.Equal(3, command.Count);
            Assert.EndsWith(".dll", command[1], StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(2, command.Count);
        }
    }
}
