using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Server.Agents;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Sessions;

/// <summary>
/// Delivers dial requests to agents: every replica listens on <see cref="Channel"/>, and the one holding the
/// agent's control connection sends the request on it. A request for an agent connected nowhere is dropped;
/// the relay that published it gives up after its dial timeout.
/// </summary>
internal sealed class SessionDialBus(IPubsub pubsub, ControlPlaneHub hub, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    public const string Channel = "session_dials";

    private readonly ILogger _logger = loggers.CreateLogger(SessionRelayLog.Category);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var subscription = await pubsub.SubscribeAsync(Channel, stoppingToken).ConfigureAwait(false);
                await foreach (var message in subscription.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (message.IsDropped || message.Payload is null)
                    {
                        continue;
                    }

                    await DeliverAsync(message.Payload, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                SessionRelayLog.BusFailed(_logger, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverAsync(string payload, CancellationToken cancellationToken)
    {
        SessionDialMessage? dial;
        try
        {
            dial = JsonSerializer.Deserialize<AgentControlMessage>(payload, OutpostJson.Options) as SessionDialMessage;
        }
        catch (JsonException)
        {
            return;
        }

        if (dial is null || !hub.TryGet(dial.AgentId, out var connection) || connection is null)
        {
            return;
        }

        try
        {
            await connection.SendAsync(dial, cancellationToken).ConfigureAwait(false);
            SessionRelayLog.DialDelivered(_logger, dial.AgentId, dial.RelayUrl);
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
        {
            // The control connection is going away; the relay's dial timeout reports it.
        }
    }
}
