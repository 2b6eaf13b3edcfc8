using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Workspaces;

/// <summary>A workspace with its latest build.</summary>
public sealed record Workspace
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The name, unique among its owner's workspaces.</summary>
    public required string Name { get; init; }

    /// <summary>The owner's id.</summary>
    public required Guid OwnerId { get; init; }

    /// <summary>The owner's username.</summary>
    public required string OwnerName { get; init; }

    /// <summary>The template's id.</summary>
    public required Guid TemplateId { get; init; }

    /// <summary>The template's name.</summary>
    public required string TemplateName { get; init; }

    /// <summary>Derived from the latest build's job status and transition (coder-spec §6).</summary>
    public required WorkspaceStatus Status { get; init; }

    /// <summary>The latest build.</summary>
    public required WorkspaceBuild LatestBuild { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>True once a delete build succeeded.</summary>
    public bool Deleted { get; init; }

    /// <summary>
    /// The resources of the latest build with their agents; sent by the workspace's watch and shown by
    /// <c>outpost show --output json</c>, absent (null) from plain reads.
    /// </summary>
    public IReadOnlyList<WorkspaceResource>? Resources { get; init; }
}

/// <summary>A page of workspaces (<c>GET /api/v2/workspaces</c>).</summary>
public sealed record WorkspacesResponse
{
    /// <summary>This page, oldest first.</summary>
    public required IReadOnlyList<Workspace> Workspaces { get; init; }

    /// <summary>Pass as <c>after</c> for the next page; null on the last page.</summary>
    public Guid? NextAfter { get; init; }
}

/// <summary>The body of <c>POST /api/v2/workspaces</c>.</summary>
public sealed record CreateWorkspaceRequest
{
    /// <summary>1–32 characters: lowercase letters, digits and single hyphens, starting with a letter or digit.</summary>
    public required string Name { get; init; }

    /// <summary>The template, by id.</summary>
    public Guid? TemplateId { get; init; }

    /// <summary>The template, by name (when <see cref="TemplateId"/> is not given).</summary>
    public string? TemplateName { get; init; }

    /// <summary>Parameter values; the rest come from the template's defaults.</summary>
    public IReadOnlyList<ParameterValue> Parameters { get; init; } = [];

    /// <summary>Why it is created (default <c>initiator</c>).</summary>
    public BuildReason Reason { get; init; } = BuildReason.Initiator;

    /// <summary>A preset of the active version: its parameter values apply, and a ready prebuilt workspace of it is claimed when there is one.</summary>
    public string? Preset { get; init; }
}

/// <summary>A build: one transition of a workspace, run as a provisioner job.</summary>
public sealed record WorkspaceBuild
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>1 for the first build, then one more each time.</summary>
    public required int BuildNumber { get; init; }

    /// <summary>start, stop or delete.</summary>
    public required WorkspaceTransition Transition { get; init; }

    /// <summary>Why it was started.</summary>
    public required BuildReason Reason { get; init; }

    /// <summary>The template version it builds.</summary>
    public required Guid TemplateVersionId { get; init; }

    /// <summary>Who asked for it.</summary>
    public Guid? InitiatorId { get; init; }

    /// <summary>Its job.</summary>
    public required Templates.ProvisionerJob Job { get; init; }

    /// <summary>The workspace status this build implies.</summary>
    public required WorkspaceStatus Status { get; init; }

    /// <summary>The resolved parameter values.</summary>
    public IReadOnlyList<ParameterValue> Parameters { get; init; } = [];

    /// <summary>When it was queued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/workspaces/{id}/builds</c>.</summary>
public sealed record CreateWorkspaceBuildRequest
{
    /// <summary>start, stop or delete.</summary>
    public required WorkspaceTransition Transition { get; init; }

    /// <summary>Why (default <c>initiator</c>).</summary>
    public BuildReason Reason { get; init; } = BuildReason.Initiator;

    /// <summary>New parameter values (start only); the rest are carried over from the previous build.</summary>
    public IReadOnlyList<ParameterValue> Parameters { get; init; } = [];

    /// <summary>Build this version instead of the template's active one.</summary>
    public Guid? TemplateVersionId { get; init; }
}

/// <summary>One change to a build, as <c>GET /api/v2/workspaces/watch-all</c> streams it (coder-spec §9).</summary>
public sealed record WorkspaceBuildUpdate
{
    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The workspace's name.</summary>
    public required string WorkspaceName { get; init; }

    /// <summary>The owner.</summary>
    public required Guid OwnerId { get; init; }

    /// <summary>The build.</summary>
    public required Guid BuildId { get; init; }

    /// <summary>The build number.</summary>
    public required int BuildNumber { get; init; }

    /// <summary>The build's transition.</summary>
    public required WorkspaceTransition Transition { get; init; }

    /// <summary>The build's job status now.</summary>
    public required ProvisionerJobStatus JobStatus { get; init; }
}
