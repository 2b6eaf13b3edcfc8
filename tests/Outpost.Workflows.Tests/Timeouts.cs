namespace Outpost.Workflows.Tests;

/// <summary>Every await in these tests is bounded: a hang fails the test instead of the run.</summary>
internal static class Timeouts
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static Task<T> WithTimeout<T>(this Task<T> task) => task.WaitAsync(Limit);

    public static Task WithTimeout(this Task task) => task.WaitAsync(Limit);
}
