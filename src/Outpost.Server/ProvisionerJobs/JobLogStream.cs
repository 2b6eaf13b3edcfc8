using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Templates;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// A job's logs: as JSON so far, or followed as Server-Sent Events (one <c>message</c> per line with
/// the line's id as the event id, then one <c>end</c> event when the job has completed).
/// </summary>
internal static class JobLogStream
{
    public const string EndEventType = "end";

    public static async Task<IResult> AnswerAsync(
        Guid jobId, bool follow, long after, NpgsqlDataSource dataSource, IPubsub pubsub, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!follow)
        {
            var (logs, _) = await JobStore.ReadLogsAsync(dataSource, jobId, after, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(logs);
        }

        // Subscribe, then mark the job followed, then read: a line or an end committed after the mark
        // is announced (writers publish to followed jobs only), and one committed before it is read.
        var subscription = await pubsub.SubscribeAsync(JobEvents.JobChannel(jobId), cancellationToken).ConfigureAwait(false);
        try
        {
            await JobStore.MarkFollowedAsync(dataSource, jobId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return ServerSentEventStream.Create(FollowAsync(subscription, jobId, after, dataSource, time, CancellationToken.None), OutpostJsonContext.Default.ProvisionerJobLog, time);
    }

    private static async IAsyncEnumerable<SseItem<ProvisionerJobLog>> FollowAsync(
        PubsubSubscription subscription, Guid jobId, long after, NpgsqlDataSource dataSource, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (subscription.ConfigureAwait(false))
        {
            // A job may log nothing for a while; a first ping sends the response headers now.
            yield return new SseItem<ProvisionerJobLog>(null!, ServerSentEventStream.PingEventType);
            var cursor = after;
            while (true)
            {
                var (logs, completed) = await JobStore.ReadLogsAsync(dataSource, jobId, cursor, cancellationToken).ConfigureAwait(false);
                foreach (var log in logs)
                {
                    cursor = log.Id;
                    yield return new SseItem<ProvisionerJobLog>(log) { EventId = log.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }

                if (completed)
                {
                    yield return new SseItem<ProvisionerJobLog>(null!, EndEventType);
                    yield break;
                }

                // Any message, or a dropped marker, means "read again" (and so does a quiet interval, in
                // case a message was lost after its commit); the cursor makes it idempotent.
                if (!await subscription.WaitToReadOrRecheckAsync(PubsubSubscription.RecheckInterval, time, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                while (subscription.Reader.TryRead(out _))
                {
                }
            }
        }
    }
}
