namespace Outpost.Server.Workspaces;

/// <summary>Why <see cref="WorkspaceBuilds"/> did not do what it was asked.</summary>
internal enum BuildRefusalKind
{
    /// <summary>A name or another field of the request is not acceptable.</summary>
    Invalid,

    /// <summary>The workspace does not exist, was deleted, or the actor may not see it.</summary>
    WorkspaceNotFound,

    /// <summary>The owner already has a live workspace with this name.</summary>
    WorkspaceExists,

    /// <summary>The actor may see the workspace but not make this change.</summary>
    Forbidden,

    /// <summary>Another build of the workspace is still active (<see cref="BuildRefusal.ActiveBuildNumber"/>).</summary>
    WorkspaceBusy,

    /// <summary>The named template does not exist.</summary>
    TemplateNotFound,

    /// <summary>The template has no active version to build.</summary>
    NoActiveVersion,

    /// <summary>The named template version does not exist.</summary>
    VersionNotFound,

    /// <summary>The version's import has not succeeded.</summary>
    VersionNotReady,

    /// <summary>The parameter values do not resolve against the version.</summary>
    InvalidParameters,

    /// <summary>The build does not exist, or the actor may not see it.</summary>
    BuildNotFound,

    /// <summary>The build has already completed.</summary>
    BuildNotCancelable,

    /// <summary>The version has no preset by the requested name.</summary>
    PresetNotFound,
    /// <summary>A task was asked of a template version that declares no task agent (docs/tasks.md).</summary>
    NoTaskAgent,

    /// <summary>The task does not exist, its workspace was deleted, or the actor may not see it.</summary>
    TaskNotFound,
}

/// <summary>
/// A typed refusal: what kind, and a detail written for people (it names the thing and what to do).
/// Callers decide on <see cref="Kind"/>, never on <see cref="Detail"/>.
/// </summary>
internal sealed record BuildRefusal(BuildRefusalKind Kind, string Detail)
{
    /// <summary>For <see cref="BuildRefusalKind.WorkspaceBusy"/>: the number of the build that is still active.</summary>
    public int? ActiveBuildNumber { get; init; }
}

/// <summary>A value, or the refusal that stands in its place.</summary>
internal readonly record struct BuildResult<T>(T? Value, BuildRefusal? Refusal)
    where T : class
{
    public static implicit operator BuildResult<T>(T value) => new(value, null);

    public static implicit operator BuildResult<T>(BuildRefusal refusal) => new(null, refusal);
}
