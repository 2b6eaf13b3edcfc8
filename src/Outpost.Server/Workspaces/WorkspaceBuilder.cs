using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Http;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Workspaces;

/// <summary>Checks and queues builds: the version must be usable and the parameters must resolve.</summary>
internal sealed class WorkspaceBuilder(NpgsqlDataSource dataSource, WorkspaceStore store, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(WorkspacesLog.Category);

    /// <summary>The version a build would use, or the problem that prevents it.</summary>
    public async Task<(BuildableVersion? Version, ProblemHttpResult? Problem)> UsableVersionAsync(Guid? versionId, string templateName, CancellationToken cancellationToken)
    {
        if (versionId is null)
        {
            return (null, Problems.Conflict($"template \"{templateName}\" has no active version yet; push one with `outpost templates push {templateName}`"));
        }

        var version = await BuildableVersion.LoadAsync(dataSource, versionId.Value, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return (null, Problems.BadRequest($"there is no template version {versionId}"));
        }

        if (version.ImportStatus != ProvisionerJobStatus.Succeeded)
        {
            return (null, Problems.Conflict(
                $"version \"{version.Name}\" of template \"{version.TemplateName}\" cannot be built: its import is {WireName<ProvisionerJobStatus>.Name(version.ImportStatus)}; see `outpost templates versions {version.TemplateName}`"));
        }

        return (version, null);
    }

    /// <summary>Resolves parameter values; 400 naming every problem (with suggestions for unknown names).</summary>
    public static (IReadOnlyList<ParameterValue>? Values, ProblemHttpResult? Problem) ResolveParameters(
        BuildableVersion version, IReadOnlyList<ParameterValue>? previous, IReadOnlyList<ParameterValue> supplied)
    {
        var resolution = ParameterResolver.Resolve(
            version.Parameters,
            previous?.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
            [.. supplied.Select(p => new ParameterAssignment(p.Name, p.Value))]);
        if (!resolution.Succeeded)
        {
            return (null, Problems.BadRequest(string.Join("; ", resolution.Errors.Select(e => e.Message))));
        }

        return ([.. resolution.Values.Select(v => new ParameterValue { Name = v.Name, Value = v.Value })], null);
    }

    /// <summary>Queues a build of an existing workspace; 409 while another build is active.</summary>
    public async Task<(WorkspaceBuild? Build, ProblemHttpResult? Problem)> EnqueueAsync(Workspace workspace, BuildRequest request, CancellationToken cancellationToken)
    {
        var (jobId, number, refusal, active) = await store.EnqueueAsync(workspace.Id, request, cancellationToken).ConfigureAwait(false);
        Count(request, refusal == EnqueueRefusal.None);
        switch (refusal)
        {
            case EnqueueRefusal.WorkspaceGone:
                return (null, Problems.NotFound($"workspace \"{workspace.Name}\" has been deleted"));
            case EnqueueRefusal.BuildActive:
                WorkspacesLog.BuildRefused(_logger, workspace.Id, active!);
                return (null, Problems.Conflict($"workspace \"{workspace.Name}\" is busy: {active}; wait for it to finish or cancel it (PATCH /api/v2/workspacebuilds/{{id}}/cancel)"));
        }

        WorkspacesLog.BuildQueued(_logger, number, WireName<WorkspaceTransition>.Name(request.Transition), WireName<BuildReason>.Name(request.Reason), workspace.Id, jobId);
        var latest = await store.GetAsync(workspace.Id, cancellationToken).ConfigureAwait(false);
        return (latest!.LatestBuild, null);
    }

    public static void Count(BuildRequest request, bool success) =>
        QueueMetrics.BuildsEnqueued.Add(1,
            new KeyValuePair<string, object?>("provisioner_type", request.Version.Provisioner),
            new KeyValuePair<string, object?>("build_reason", WireName<BuildReason>.Name(request.Reason)),
            new KeyValuePair<string, object?>("transition", WireName<WorkspaceTransition>.Name(request.Transition)),
            new KeyValuePair<string, object?>("status", success ? "success" : "failed"));
}
