namespace Outpost.Sdk.Provisioning;

/// <summary>A provisioner job's status, derived from its timestamps and error (coder-spec §6).</summary>
public enum ProvisionerJobStatus
{
    /// <summary>Queued; no daemon has claimed it.</summary>
    Pending,

    /// <summary>Claimed by a daemon and running.</summary>
    Running,

    /// <summary>Completed without error.</summary>
    Succeeded,

    /// <summary>Cancel requested; the daemon has not stopped yet.</summary>
    Canceling,

    /// <summary>Canceled and completed.</summary>
    Canceled,

    /// <summary>Completed with an error.</summary>
    Failed,
}

/// <summary>What a provisioner job does.</summary>
public enum ProvisionerJobType
{
    /// <summary>Builds a workspace (start, stop or delete).</summary>
    WorkspaceBuild,

    /// <summary>Parses a new template version and records its agents and parameters.</summary>
    TemplateVersionImport,
}

/// <summary>The transition a workspace build makes.</summary>
public enum WorkspaceTransition
{
    /// <summary>Create or start the workspace.</summary>
    Start,

    /// <summary>Stop it, keeping its data.</summary>
    Stop,

    /// <summary>Destroy it.</summary>
    Delete,
}

/// <summary>A workspace's status, derived from its latest build's job status and transition (coder-spec §6).</summary>
public enum WorkspaceStatus
{
    /// <summary>The latest build is queued.</summary>
    Pending,

    /// <summary>A start build is running.</summary>
    Starting,

    /// <summary>The latest start build succeeded.</summary>
    Running,

    /// <summary>A stop build is running.</summary>
    Stopping,

    /// <summary>The latest stop build succeeded.</summary>
    Stopped,

    /// <summary>The latest build failed.</summary>
    Failed,

    /// <summary>The latest build is being canceled.</summary>
    Canceling,

    /// <summary>The latest build was canceled.</summary>
    Canceled,

    /// <summary>A delete build is running.</summary>
    Deleting,

    /// <summary>The latest delete build succeeded.</summary>
    Deleted,
}

/// <summary>Why a build was started.</summary>
public enum BuildReason
{
    /// <summary>A person asked for it (the API default).</summary>
    Initiator,

    /// <summary>The autostart schedule.</summary>
    Autostart,

    /// <summary>The autostop schedule.</summary>
    Autostop,

    /// <summary>The command-line client.</summary>
    Cli,

    /// <summary>The web dashboard.</summary>
    Dashboard,
}

/// <summary>The severity of a provisioner log line.</summary>
public enum ProvisionerLogLevel
{
    /// <summary>Trace.</summary>
    Trace,

    /// <summary>Debug.</summary>
    Debug,

    /// <summary>Info.</summary>
    Info,

    /// <summary>Warning.</summary>
    Warn,

    /// <summary>Error.</summary>
    Error,
}

/// <summary>Who wrote a provisioner log line.</summary>
public enum ProvisionerLogSource
{
    /// <summary>The daemon itself (queueing, setup, reaper notices).</summary>
    ProvisionerDaemon,

    /// <summary>The provisioner (terraform output, local provisioner steps).</summary>
    Provisioner,
}

/// <summary>How an extra environment entry combines with an earlier one of the same name (coder-spec §2).</summary>
public enum EnvMergeStrategy
{
    /// <summary>Last value wins (also what any unknown strategy means).</summary>
    Replace,

    /// <summary><c>existing:value</c>, or just the value when there is none or it is empty.</summary>
    Append,

    /// <summary><c>value:existing</c>, or just the value when there is none or it is empty.</summary>
    Prepend,

    /// <summary>Fail the build if the variable is already defined.</summary>
    Error,
}
