namespace Outpost.Telemetry.Tests.Fakes;

/// <summary>Where these tests' fake clock starts: file names and timestamps in the assertions are on this day.</summary>
internal static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 5, 4, 12, 0, 0, TimeSpan.Zero);
}
