namespace Outpost.Agent.Sessions;

/// <summary>Bytes a session carried: in from the client, out to it.</summary>
internal sealed class SessionCounters
{
    private long _in;
    private long _out;

    public long In => Interlocked.Read(ref _in);

    public long Out => Interlocked.Read(ref _out);

    public void AddIn(int count) => Interlocked.Add(ref _in, count);

    public void AddOut(int count) => Interlocked.Add(ref _out, count);
}
