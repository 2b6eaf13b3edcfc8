using Outpost.Telemetry.Local;

namespace Outpost.Telemetry.Tests.Fakes;

/// <summary>The real file system with switchable faults and a gate that can hold appends.</summary>
internal sealed class FaultyFileSystem : ITelemetryFileSystem
{
    private readonly TelemetryFileSystem _real = TelemetryFileSystem.Instance;

    public Func<string, Exception?>? AppendFault { get; set; }

    public Func<string, Exception?>? DeleteFault { get; set; }

    /// <summary>When set, appends wait until it is signalled: a disk that stalls.</summary>
    public ManualResetEventSlim? AppendGate { get; set; }

    public SemaphoreSlim AppendEntered { get; } = new(0);

    public int Appends { get; private set; }

    public void CreateDirectory(string path) => _real.CreateDirectory(path);

    public long GetLength(string path) => _real.GetLength(path);

    public void Append(string path, ReadOnlySpan<byte> data)
    {
        AppendEntered.Release();
        AppendGate?.Wait(TimeSpan.FromSeconds(10));
        if (AppendFault?.Invoke(path) is { } fault)
        {
            throw fault;
        }

        Appends++;
        _real.Append(path, data);
    }

    public IReadOnlyList<TelemetryFileEntry> List(string directory) => _real.List(directory);

    public void Delete(string path)
    {
        if (DeleteFault?.Invoke(path) is { } fault)
        {
            throw fault;
        }

        _real.Delete(path);
    }
}
