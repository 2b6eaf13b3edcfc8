namespace Outpost.Sdk.Tests;

public sealed class OutpostExecutableTests
{
    [Fact]
    public void This_executable_is_its_path_or_a_dotnet_host_with_the_entry_assembly()
    {
        var command = OutpostExecutable.Invocation();

        Assert.Equal(System.Environment.ProcessPath, command[0]);
        if (Path.GetFileNameWithoutExtension(command[0]) == "dotnet")
        {
            Assert.Equal(2, command.Count);
            Assert.EndsWith(".dll", command[1], StringComparison.Ordinal);
        }
        else
        {
            Assert.Single(command);
        }
    }
}
