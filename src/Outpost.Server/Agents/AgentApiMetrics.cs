using System.Diagnostics.Metrics;
using Outpost.Sdk.Agents;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Agents;

/// <summary>The agent API's instruments on the server's meter.</summary>
internal static class AgentApiMetrics
{
    private static int _connected;

    public static readonly Counter<long> Heartbeats = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_agent_heartbeats",
        unit: null,
        description: "Heartbeats received from agents over the control plane.");

    public static readonly Counter<long> Disconnects = ServerDiagnostics.Meter.CreateCounter<long>(
        "outpost_agent_control_plane_disconnects",
        unit: null,
        description: "Agent control-plane connections that ended, by disconnect_reason and disconnect_initiator (seed 001).");

    private static readonly ObservableGauge<int> Connected = ServerDiagnostics.Meter.CreateObservableGauge(
        "outpost_agents_connected",
        static () => Volatile.Read(ref _connected),
        unit: null,
        description: "Agents with an open control-plane connection to this replica.");

    public static void ConnectionOpened() => Interlocked.Increment(ref _connected);

    public static void ConnectionClosed(DisconnectReason reason, DisconnectInitiator initiator)
    {
        Interlocked.Decrement(ref _connected);
        Disconnects.Add(1,
            new KeyValuePair<string, object?>("disconnect_reason", reason.LogValue),
            new KeyValuePair<string, object?>("disconnect_initiator", initiator.LogValue));
    }

    public static void EnsureInstruments()
    {
        GC.KeepAlive(Heartbeats);
        GC.KeepAlive(Disconnects);
        GC.KeepAlive(Connected);
    }
}
