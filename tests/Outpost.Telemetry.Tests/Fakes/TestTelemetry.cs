using Outpost.Testing;
namespace Outpost.Telemetry.Tests.Fakes;

/// <summary>Builds services over fakes so every test starts from the same known context.</summary>
internal static class TestTelemetry
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static TelemetryContext Context(string sessionId = "0123456789abcdef0123456789abcdef") => new()
    {
        CliVersion = "1.2.3",
        MachineId = "machine-1",
        SessionId = sessionId,
        OsType = "linux",
        OsVersion = "6.8",
        HostArch = "x64",
        PlatformName = "dotnet",
        PlatformVersion = "10.0.0",
    };

    public static TelemetryService Service(
        out RecordingSink sink,
        out FakeTimeProvider time,
        out CapturingLogger logger,
        TelemetryLevel level = TelemetryLevel.Local)
    {
        sink = new RecordingSink();
        time = new FakeTimeProvider(TestClock.Start);
        logger = new CapturingLogger();
        return new TelemetryService(Context(), [sink], level, time, logger);
    }
}
