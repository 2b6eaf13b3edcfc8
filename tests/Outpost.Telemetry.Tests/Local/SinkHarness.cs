using Outpost.Telemetry.Local;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests.Local;

/// <summary>A service writing through a real JSONL sink into a temp directory on a fake clock.</summary>
internal sealed class SinkHarness : IAsyncDisposable
{
    public const string SessionId = "abcdef0123456789abcdef0123456789";

    public SinkHarness(LocalTelemetrySettings? settings = null, FaultyFileSystem? files = null, string sessionId = SessionId, TempDirectory? directory = null, FakeTimeProvider? time = null)
    {
        OwnsDirectory = directory is null;
        Directory = directory ?? new TempDirectory();
        Time = time ?? new FakeTimeProvider(TestClock.Start);
        Logger = new CapturingLogger();
        Files = files ?? new FaultyFileSystem();
        Sink = LocalJsonlSink.Start(Directory.Path, TestTelemetry.Context(sessionId), settings ?? LocalTelemetrySettings.Default, Time, Logger, Files);
        Service = new TelemetryService(TestTelemetry.Context(sessionId), [Sink], TelemetryLevel.Local, Time, Logger);
    }

    public TempDirectory Directory { get; }

    public FakeTimeProvider Time { get; }

    public CapturingLogger Logger { get; }

    public FaultyFileSystem Files { get; }

    public LocalJsonlSink Sink { get; }

    public TelemetryService Service { get; }

    private bool OwnsDirectory { get; }

    public string FileName(string date, int part = 0) => TelemetryFileName.Format(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), "abcdef01", part);

    public string[] Lines(string fileName) => File.ReadAllLines(Directory.Combine(fileName));

    public List<TelemetryEvent> ReadAll() =>
        [.. TelemetryFileCatalog.List(Directory.Path).SelectMany(f => TelemetryFileReader.ReadFile(f.Path))];

    public Task FlushAsync() => Sink.FlushAsync(CancellationToken.None).WaitAsync(TestTelemetry.Timeout);

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync().AsTask().WaitAsync(TestTelemetry.Timeout);
        if (OwnsDirectory)
        {
            Directory.Dispose();
        }
    }
}
