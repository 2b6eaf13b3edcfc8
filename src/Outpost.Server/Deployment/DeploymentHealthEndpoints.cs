using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Provisionerd;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Deployment;

/// <summary>
/// <c>GET /api/v2/deployment/health</c> (issue 24, <c>outpost diagnose --deployment</c>): the database's latency and
/// the pubsub's round trip as this server measures them, the provisioner daemons it hears from and the jobs that wait
/// for them. Owners and admins may read it (the deployment's configuration permission); members get 403.
/// </summary>
internal static partial class DeploymentHealthEndpoints
{
    /// <summary>How long the pubsub's round trip may take before it counts as broken.</summary>
    public static readonly TimeSpan PubsubTimeout = TimeSpan.FromSeconds(5);

    private const int DatabaseSamples = 3;

    public static IEndpointRouteBuilder MapDeploymentHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(DeploymentHealthApi.Path, static async (HttpContext http, NpgsqlDataSource dataSource, IPubsub pubsub, ProvisionerDaemonStore daemons,
            ServerOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var database = await MeasureDatabaseAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var roundTrip = await MeasurePubsubAsync(pubsub, cancellationToken).ConfigureAwait(false);
            List<ProvisionerDaemonStatus> seen = [];
            List<WaitingJobs> waiting = [];
            if (database.Healthy)
            {
                seen = await daemons.ListAsync(cancellationToken).ConfigureAwait(false);
                waiting = await daemons.WaitingAsync(seen, cancellationToken).ConfigureAwait(false);
            }

            var health = new DeploymentHealth
            {
                Time = time.GetUtcNow(),
                Version = BuildVersion.Version,
                Commit = BuildVersion.Commit,
                AccessUrl = (options.AccessUrl ?? new Uri($"{http.Request.Scheme}://{http.Request.Host}")).ToString().TrimEnd('/'),
                AccessUrlConfigured = options.AccessUrl is not null,
                Database = database,
                Pubsub = roundTrip,
                DaemonContactWindowSeconds = ProvisionerDaemonStore.ContactWindow.TotalSeconds,
                ProvisionerDaemons = seen,
                WaitingJobs = waiting,
            };
            Log.HealthRead(loggers.CreateLogger(Category), database.LatencyMs ?? -1, roundTrip.LatencyMs ?? -1, seen.Count(d => d.InContact), waiting.Sum(w => w.Count),
                waiting.Count(w => w.DaemonsInContact == 0));
            return TypedResults.Json(health, DeploymentHealthJsonContext.Default.DeploymentHealth);
        }).WithTags("Deployment").WithName("GetDeploymentHealth")
          .Produces<DeploymentHealth>(StatusCodes.Status200OK)
          .RequirePermission(ResourceType.DeploymentConfig, PermissionAction.Read)
          .WithSummary("The deployment's health as the server sees it: database latency, the pubsub's round trip, provisioner daemons and their last contact, jobs waiting and whether a daemon in contact can take them (owners and admins).");
        return routes;
    }

    private const string Category = "Outpost.Server.Deployment";

    /// <summary>The best of a few <c>SELECT 1</c> round trips (the first may open a connection).</summary>
    private static async Task<ComponentHealth> MeasureDatabaseAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await Health.HealthEndpoints.CheckDatabaseAsync(dataSource, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            return new ComponentHealth { Healthy = false, Error = problem };
        }

        var best = double.MaxValue;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        for (var sample = 0; sample < DatabaseSamples; sample++)
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            var watch = Stopwatch.StartNew();
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }

        return new ComponentHealth { Healthy = true, LatencyMs = Math.Round(best, 3) };
    }

    /// <summary>Subscribes to a channel of its own, publishes to it and waits for the message (real time: this is network time).</summary>
    private static async Task<ComponentHealth> MeasurePubsubAsync(IPubsub pubsub, CancellationToken cancellationToken)
    {
        var channel = "deployment_health." + Guid.NewGuid().ToString("N");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PubsubTimeout);
        try
        {
            var subscription = await pubsub.SubscribeAsync(channel, timeout.Token).ConfigureAwait(false);
            await using (subscription.ConfigureAwait(false))
            {
                var watch = Stopwatch.StartNew();
                await pubsub.PublishAsync(channel, "ping", timeout.Token).ConfigureAwait(false);
                var message = await subscription.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                return message.IsDropped
                    ? new ComponentHealth { Healthy = false, Error = "the message was dropped on the way (the listener reconnected or its queue was full)" }
                    : new ComponentHealth { Healthy = true, LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 3) };
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ComponentHealth { Healthy = false, Error = $"a message published to the pubsub did not come back within {PubsubTimeout.TotalSeconds:0} s" };
        }
        catch (NpgsqlException e)
        {
            return new ComponentHealth { Healthy = false, Error = $"the pubsub could not publish: {e.Message}" };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Deployment + 2, Level = LogLevel.Information,
            Message = "Deployment health read: database {DatabaseMs} ms, pubsub {PubsubMs} ms, {DaemonsInContact} daemons in contact, {Waiting} jobs waiting, {Unservable} provisioner types nobody serves")]
        public static partial void HealthRead(ILogger logger, double databaseMs, double pubsubMs, int daemonsInContact, int waiting, int unservable);
    }
}
