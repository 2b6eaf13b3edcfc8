using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Files;
using Outpost.Server.Hosting;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Secrets;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Provisionerd;

/// <summary>
/// The provisioner daemon API, exactly as <see cref="ProvisionerDaemonApi"/> describes it. Requests
/// carry a provisioner key and act as <see cref="SystemActors.Provisionerd"/>.
/// </summary>
internal static class ProvisionerdEndpoints
{
    public const int MaxLogsPerUpdate = 1000;

    public static IEndpointRouteBuilder MapProvisionerdEndpoints(this IEndpointRouteBuilder routes)
    {
        var daemon = routes.MapGroup(ProvisionerDaemonApi.Prefix).WithTags("Provisioner daemons").RequireAuthorization(CallerPolicies.ProvisionerDaemon);

        daemon.MapDaemonFileEndpoints();

        daemon.MapPost("/acquire", static async Task<Results<Ok<AcquiredJob>, NoContent, ProblemHttpResult>> (
            AcquireJobRequest request, AuthenticatedDaemon caller, HttpContext http, JobQueue queue, AcquireWaiters waiters, ServerOptions options, ILoggerFactory loggers,
            IHostApplicationLifetime lifetime, BuildSecrets secrets, DaemonJobs jobs, Tasks.TaskStore tasks, ProvisionerDaemonStore daemons, CancellationToken cancellationToken) =>
        {
            if (request.WaitSeconds is < 1 or > 60)
            {
                return Problems.BadRequest("wait_seconds must be between 1 and 60");
            }

            if (request.Provisioners.Count == 0 || string.IsNullOrWhiteSpace(request.DaemonName))
            {
                return Problems.BadRequest("name the daemon (daemon_name) and the provisioners it runs (provisioners)");
            }

            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return ShuttingDown();
            }

            var identity = caller.Identity;
            await daemons.SeenAsync(identity, request.DaemonName, request.Provisioners, cancellationToken).ConfigureAwait(false);
            var accessUrl = AccessUrl(options, http);
            // The long poll is network time, not logic time: it is bounded by the real clock even when
            // tests drive the server's clock by hand. A server that is stopping ends its polls at
            // once: the web host waits for every request in flight before it stops.
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
            poll.CancelAfter(TimeSpan.FromSeconds(request.WaitSeconds));
            var first = await HandOutAsync(await TryAcquireAsync(queue, identity, request, accessUrl, loggers, cancellationToken).ConfigureAwait(false), identity, secrets, jobs, tasks, cancellationToken).ConfigureAwait(false);
            if (first is not null)
            {
                return TypedResults.Ok(first);
            }

            try
            {
                while (true)
                {
                    // Register, then claim: a job queued in between is either claimed now or wakes us.
                    using var waiter = await waiters.RegisterAsync(request.Provisioners, poll.Token).ConfigureAwait(false);
                    var job = await HandOutAsync(await TryAcquireAsync(queue, identity, request, accessUrl, loggers, cancellationToken).ConfigureAwait(false), identity, secrets, jobs, tasks, cancellationToken).ConfigureAwait(false);
                    if (job is not null)
                    {
                        return TypedResults.Ok(job);
                    }

                    await waiter.Woken.WaitAsync(poll.Token).ConfigureAwait(false);
                    waiter.Claiming();
                }
            }
            catch (OperationCanceledException) when (poll.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return lifetime.ApplicationStopping.IsCancellationRequested ? ShuttingDown() : TypedResults.NoContent();
            }
        }).WithName("AcquireJob").WithSummary(
            "Long-polls for the next job: 200 with the job, 204 when none arrived in time, 503 when the server is shutting down (back off and retry).");

        daemon.MapPost("/jobs/{id:guid}/update", static async Task<Results<Ok<UpdateJobResponse>, ProblemHttpResult>> (
            Guid id, UpdateJobRequest request, AuthenticatedDaemon caller, DaemonJobs jobs, ProvisionerDaemonStore daemons, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            if (request.Logs.Count > MaxLogsPerUpdate)
            {
                return Problems.BadRequest($"at most {MaxLogsPerUpdate} log lines per update; send the rest in the next one");
            }

            var outcome = await jobs.UpdateAsync(caller.Identity, id, request, cancellationToken).ConfigureAwait(false);
            await daemons.WorkedOnAsync(caller.Identity, id, cancellationToken).ConfigureAwait(false);
            return outcome.Refusal == DaemonJobRefusal.None
                ? TypedResults.Ok(new UpdateJobResponse { Canceled = outcome.Canceled })
                : Refuse(outcome, loggers);
        }).WithName("UpdateJob").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.JobConflict).WithSummary("Appends logs and heartbeats; answers whether the job was canceled.");

        daemon.MapPost("/jobs/{id:guid}/complete", static async Task<Results<Ok<CompleteJobResponse>, NoContent, ProblemHttpResult>> (
            Guid id, CompleteJobRequest request, AuthenticatedDaemon caller, HttpContext http, DaemonJobs jobs, JobQueue queue, ServerOptions options, ILoggerFactory loggers,
            BuildSecrets secrets, IPubsub pubsub, Tasks.TaskStore tasks, ProvisionerDaemonStore daemons, CancellationToken cancellationToken) =>
        {
            // Checked before anything is recorded: a bad request changes nothing.
            if (request.AcquireNext is { } next && (next.Provisioners.Count == 0 || string.IsNullOrWhiteSpace(next.DaemonName)))
            {
                return Problems.BadRequest("acquire_next must name the daemon (daemon_name) and the provisioners it runs (provisioners)");
            }

            var logger = loggers.CreateLogger(ProvisionerJobsLog.Category);
            var identity = caller.Identity;
            await daemons.WorkedOnAsync(identity, id, cancellationToken).ConfigureAwait(false);
            if (request.AcquireNext is { } asking)
            {
                await daemons.SeenAsync(identity, asking.DaemonName, asking.Provisioners, cancellationToken).ConfigureAwait(false);
            }

            var accessUrl = AccessUrl(options, http);
            // The next job is claimed in the completion's own transaction: one commit for both.
            var nextClaim = request.AcquireNext is { } acquireNext ? new DaemonJobs.NextClaim(queue, acquireNext, accessUrl) : null;
            var (outcome, build, claim) = await jobs.CompleteAsync(identity, id, secrets.Protect(request), nextClaim, cancellationToken).ConfigureAwait(false);
            if (outcome.Refusal != DaemonJobRefusal.None)
            {
                return Refuse(outcome, loggers);
            }

            if (outcome.FailedBy is not null)
            {
                ProvisionerJobsLog.EnvMergeFailed(logger, id, outcome.Detail!);
                return Problems.Unprocessable($"the build was failed instead of completed: {outcome.FailedBy}", ProblemCodes.BuildFailedByServer);
            }

            if (build is not null)
            {
                await Prebuilds.ClaimEvents.OnBuildCompletedAsync(build, pubsub, loggers.CreateLogger(Prebuilds.PrebuildsLog.Category)).ConfigureAwait(false);
            }

            if (build is { Transition: WorkspaceTransition.Delete, Canceled: false })
            {
                WorkspacesLog.WorkspaceDeleted(loggers.CreateLogger(WorkspacesLog.Category), build.WorkspaceId);
            }

            ProvisionerJobsLog.JobCompleted(logger, id);
            if (request.AcquireNext is not { } acquire || claim is null)
            {
                return TypedResults.NoContent();
            }

            var nextJob = await HandOutAsync(Acquired(queue.Committed(claim), identity, acquire, loggers), identity, secrets, jobs, tasks, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new CompleteJobResponse { NextJob = nextJob });
        }).WithName("CompleteJob").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.JobConflict).DocumentsProblem(StatusCodes.Status422UnprocessableEntity, ProblemCodes.BuildFailedByServer).WithSummary(
            "Completes a job with what it built; with acquire_next, also claims the next queued job (200). 422 when the server fails it instead (an environment merge error).");

        daemon.MapPost("/jobs/{id:guid}/fail", static async Task<Results<NoContent, ProblemHttpResult>> (
            Guid id, FailJobRequest request, AuthenticatedDaemon caller, DaemonJobs jobs, ProvisionerDaemonStore daemons, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            await daemons.WorkedOnAsync(caller.Identity, id, cancellationToken).ConfigureAwait(false);
            var outcome = await jobs.FailAsync(caller.Identity, id, request, cancellationToken).ConfigureAwait(false);
            if (outcome.Refusal != DaemonJobRefusal.None)
            {
                return Refuse(outcome, loggers);
            }

            ProvisionerJobsLog.JobFailed(loggers.CreateLogger(ProvisionerJobsLog.Category), id, request.ErrorCode ?? "none", outcome.FailedBy!);
            return TypedResults.NoContent();
        }).WithName("FailJob").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.JobConflict).WithSummary("Fails a job with a reason users will read.");

        return routes;
    }

    /// <summary>
    /// A stopping server hands out no more jobs. 503 (not 204) so daemons back off instead of asking
    /// again at once while it finishes; updates and completions are still accepted until it stops.
    /// </summary>
    private static ProblemHttpResult ShuttingDown() => Problems.Problem(StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
        "the server is shutting down and hands out no more jobs; the daemon retries with backoff (another replica, or this one after its restart, will answer)", ProblemCodes.Unavailable);

    /// <summary>The URL launched agents use to reach this server.</summary>
    private static string AccessUrl(ServerOptions options, HttpContext http) =>
        (options.AccessUrl ?? new Uri($"{http.Request.Scheme}://{http.Request.Host}")).ToString().TrimEnd('/');

    private static async Task<AcquiredJob?> TryAcquireAsync(
        JobQueue queue, DaemonIdentity identity, AcquireJobRequest request, string accessUrl, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var acquired = await queue.TryAcquireAsync(identity.KeyId, request, accessUrl, cancellationToken).ConfigureAwait(false);
        return Acquired(acquired, identity, request, loggers);
    }

    /// <summary>
    /// User secrets (docs/secrets.md): a claimed start build gets its owner's secrets and every build
    /// its decrypted state; when they cannot be loaded the job is failed and not handed out.
    /// </summary>
    private static async Task<AcquiredJob?> HandOutAsync(
        AcquiredJob? job, DaemonIdentity identity, BuildSecrets secrets, DaemonJobs jobs, Tasks.TaskStore tasks, CancellationToken cancellationToken)
    {
        if (job is null)
        {
            return null;
        }

        // A task workspace's builds carry the task's id and prompt (OUTPOST_TASK_ID, OUTPOST_TASK_PROMPT; docs/tasks.md).
        if (job.WorkspaceBuild is { } build && await tasks.ForBuildAsync(build.WorkspaceId, cancellationToken).ConfigureAwait(false) is { } task)
        {
            job = job with { WorkspaceBuild = build with { TaskId = task.TaskId, TaskPrompt = task.Prompt } };
        }

        var (prepared, failure) = await secrets.PrepareAsync(job, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            await jobs.FailAsync(identity, job.JobId, new FailJobRequest { Error = failure, ErrorCode = ProvisionerErrorCodes.SecretsUnavailable }, cancellationToken).ConfigureAwait(false);
        }

        return prepared;
    }

    /// <summary>Records a handed-out job's queue wait and logs it.</summary>
    private static AcquiredJob? Acquired(
        (AcquiredJob? Job, double QueueWaitSeconds, string[] Labels) acquired, DaemonIdentity identity, AcquireJobRequest request, ILoggerFactory loggers)
    {
        var (job, waitSeconds, labels) = acquired;
        if (job is not null)
        {
            QueueMetrics.QueueWait.Record(waitSeconds,
                new KeyValuePair<string, object?>("provisioner_type", labels[0]),
                new KeyValuePair<string, object?>("job_type", labels[1]),
                new KeyValuePair<string, object?>("transition", labels[2]),
                new KeyValuePair<string, object?>("build_reason", labels[3]));
            ProvisionerJobsLog.JobAcquired(loggers.CreateLogger(ProvisionerJobsLog.Category), job.JobId, labels[1], request.DaemonName, identity.KeyName, waitSeconds);
        }

        return job;
    }

    private static ProblemHttpResult Refuse(DaemonJobOutcome outcome, ILoggerFactory loggers)
    {
        ProvisionerJobsLog.DaemonRefused(loggers.CreateLogger(ProvisionerJobsLog.Category), outcome.Detail!);
        return outcome.Refusal switch
        {
            DaemonJobRefusal.NotFound => Problems.NotFound(outcome.Detail!, ProblemCodes.JobNotFound),
            DaemonJobRefusal.Invalid => Problems.BadRequest(outcome.Detail!),
            _ => Problems.Conflict(outcome.Detail!, ProblemCodes.JobConflict),
        };
    }
}
