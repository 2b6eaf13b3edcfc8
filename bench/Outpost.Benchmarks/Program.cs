using BenchmarkDotNet.Running;
using Outpost.Benchmarks.AgentLoad;
using Outpost.Benchmarks.Sessions;

// Run all: dotnet run -c Release --project bench/Outpost.Benchmarks -- --filter '*'
// Relay fairness and idle memory: dotnet run -c Release --project bench/Outpost.Benchmarks -- relay-fairness
// Agent load: dotnet run -c Release --project bench/Outpost.Benchmarks -- agent-load --agents 1000 --seconds 60
if (args.Length > 0 && args[0] == AgentLoadTool.Verb)
{
    return await AgentLoadTool.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == RelayFairnessTool.Verb)
{
    return await RelayFairnessTool.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(AgentLoadTool).Assembly).Run(args);
return 0;
