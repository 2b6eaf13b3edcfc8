using BenchmarkDotNet.Running;
using Outpost.Benchmarks.AgentLoad;

// Run all: dotnet run -c Release --project bench/Outpost.Benchmarks -- --filter '*'
// Agent load: dotnet run -c Release --project bench/Outpost.Benchmarks -- agent-load --agents 1000 --seconds 60
if (args.Length > 0 && args[0] == AgentLoadTool.Verb)
{
    return await AgentLoadTool.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(AgentLoadTool).Assembly).Run(args);
return 0;
