using Outpost.Telemetry.Local;
using Outpost.Telemetry.Tests.Fakes;
using Outpost.Testing;

namespace Outpost.Telemetry.Tests.Local;

public sealed class FaultTests
{
    [Fact]
    public async Task An_unwritable_directory_keeps_the_host_working_and_is_logged_once()
    {
        using var directory = new TempDirectory();
        var blocker = directory.Combine("not-a-directory");
        await File.WriteAllTextAsync(blocker, "a file where the directory should be");
        var time = new FakeTimeProvider(TestClock.Start);
        var logger = new CapturingLogger();
        var sink = LocalJsonlSink.Start(Path.Combine(blocker, "telemetry"), TestTelemetry.Context(), LocalTelemetrySettings.Default, time, logger);
        var service = new TelemetryService(TestTelemetry.Context(), [sink], TelemetryLevel.Local, time, logger);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            service.Log("a");
            Assert.Equal(7, service.Trace("b", _ => 7));
            var result = await service.FlushAsync(CancellationToken.None).WaitAsync(TestTelemetry.Timeout);
            Assert.False(result.Ok);
        }

        await service.DisposeAsync().AsTask().WaitAsync(TestTelemetry.Timeout);
        Assert.Single(logger.Warnings, w => w.Message.StartsWith("Local telemetry flush failed", StringComparison.Ordinal));
        Assert.Equal("a file where the directory should be", await File.ReadAllTextAsync(blocker));
    }

    [Fact]
    public async Task A_full_disk_loses_only_the_failed_batch_and_recovers_without_touching_other_sessions()
    {
        var files = new FaultyFileSystem();
        await using var harness = new SinkHarness(files: files);
        var otherFile = harness.Directory.Combine("telemetry-2026-05-04-othersss.jsonl");
        await File.WriteAllTextAsync(otherFile, "other session content\n");
        harness.Service.Log("before");
        await harness.FlushAsync();

        files.AppendFault = _ => new IOException("No space left on device");
        harness.Service.Log("lost one");
        await Assert.ThrowsAsync<IOException>(harness.FlushAsync);
        harness.Service.Log("lost two");
        await Assert.ThrowsAsync<IOException>(harness.FlushAsync);
        files.AppendFault = null;
        harness.Service.Log("after");
        await harness.FlushAsync();

        Assert.Equal(["before", "after"], TelemetryFileReader.ReadFile(harness.Directory.Combine(harness.FileName("2026-05-04"))).Select(e => e.EventName));
        Assert.Equal("other session content\n", await File.ReadAllTextAsync(otherFile));
        Assert.Single(harness.Logger.Warnings, w => w.Message.StartsWith("Local telemetry flush failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_or_foreign_file_in_the_directory_is_left_alone_by_the_writer_and_retention()
    {
        using var directory = new TempDirectory();
        var corrupt = directory.Combine("telemetry-2026-05-04-corruptx.jsonl");
        var foreign = directory.Combine("README.txt");
        await File.WriteAllTextAsync(corrupt, "{{{ not json");
        await File.WriteAllTextAsync(foreign, "hello");

        await using (var harness = new SinkHarness(directory: directory))
        {
            harness.Service.Log("a");
            await harness.FlushAsync();
            await harness.Sink.Retention.WaitAsync(TestTelemetry.Timeout);
        }

        Assert.Equal("{{{ not json", await File.ReadAllTextAsync(corrupt));
        Assert.Equal("hello", await File.ReadAllTextAsync(foreign));
        Assert.Equal(3, Directory.GetFiles(directory.Path).Length);
    }

    [Fact]
    public async Task Several_processes_writing_at_once_each_keep_to_their_own_file()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider(TestClock.Start);
        await using var first = new SinkHarness(new LocalTelemetrySettings { FlushBatchSize = 7, BufferLimit = 10_000 }, sessionId: "11111111aaaa", directory: directory, time: time);
        await using var second = new SinkHarness(new LocalTelemetrySettings { FlushBatchSize = 7, BufferLimit = 10_000 }, sessionId: "22222222bbbb", directory: directory, time: time);

        await Task.WhenAll(
            Task.Run(() => Emit(first.Service)),
            Task.Run(() => Emit(first.Service)),
            Task.Run(() => Emit(second.Service)),
            Task.Run(() => Emit(second.Service))).WaitAsync(TestTelemetry.Timeout);
        await first.FlushAsync();
        await second.FlushAsync();

        var firstEvents = TelemetryFileReader.ReadFile(directory.Combine("telemetry-2026-05-04-11111111.jsonl")).ToList();
        var secondEvents = TelemetryFileReader.ReadFile(directory.Combine("telemetry-2026-05-04-22222222.jsonl")).ToList();
        Assert.Equal(1000, firstEvents.Count);
        Assert.Equal(1000, secondEvents.Count);
        Assert.All(firstEvents, e => Assert.Equal("11111111aaaa", e.Context.SessionId));
        Assert.Equal(1000, firstEvents.Select(e => e.EventSequence).Distinct().Count());

        static void Emit(TelemetryService service)
        {
            for (var i = 0; i < 250; i++)
            {
                service.Log("concurrent");
                service.Trace("span", span => span.SetProperty("i", i));
            }
        }
    }
}
