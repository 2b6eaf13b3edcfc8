using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Outpost.Benchmarks;

/// <summary>
/// Few iterations: the benchmark machine has two cores shared with other work, so long runs add
/// noise rather than precision. Results are compared only within one run.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class ShortJobAttribute : Attribute, IConfigSource
{
    public ShortJobAttribute()
    {
        Config = ManualConfig.CreateEmpty().AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
    }

    public IConfig Config { get; }
}
