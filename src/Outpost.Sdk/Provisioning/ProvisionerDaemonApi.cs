using Outpost.Sdk.Parameters;

namespace Outpost.Sdk.Provisioning;

/// <summary>
/// The provisioner daemon API (all under <c>/api/v2/provisionerd</c>, authenticated with the header
/// <see cref="KeyHeader"/> carrying a provisioner key):
/// <list type="bullet">
/// <item><c>POST acquire</c> (<see cref="AcquireJobRequest"/>): long-polls up to <c>wait_seconds</c>; 200 with
/// <see cref="AcquiredJob"/>, or 204 when nothing arrived in time.</item>
/// <item><c>POST jobs/{id}/update</c> (<see cref="UpdateJobRequest"/>): appends logs and is the job's heartbeat;
/// answers <see cref="UpdateJobResponse"/> saying whether the job was canceled.</item>
/// <item><c>POST jobs/{id}/complete</c> (<see cref="CompleteJobRequest"/>): success, with what was built; 204, or
/// with <see cref="CompleteJobRequest.AcquireNext"/> set, 200 with <see cref="CompleteJobResponse"/> carrying the
/// next job when one was waiting.</item>
/// <item><c>POST jobs/{id}/fail</c> (<see cref="FailJobRequest"/>): failure, with the reason a user will read.</item>
/// <item><c>GET files/{hash}</c>: the <see cref="FileDownload"/> header of a stored file (size, chunk count); 404 when
/// there is none.</item>
/// <item><c>GET files/{hash}/chunks/{index}</c>: one <see cref="FileChunk"/> of <see cref="FileDownload.ChunkSize"/> bytes
/// (the last may be shorter), carrying the full file's hash (coder-spec §8).</item>
/// <item><c>POST files</c> (a tar body): stores a file an import made (a Terraform modules archive) by its SHA-256 and
/// answers <see cref="Files.UploadResponse"/>; storing the same bytes again is a no-op.</item>
/// </list>
/// Only the daemon that acquired a job may update, complete or fail it (409 otherwise).
/// </summary>
public static class ProvisionerDaemonApi
{
    /// <summary>The header that carries the provisioner key.</summary>
    public const string KeyHeader = "Outpost-Provisioner-Key";

    /// <summary>The route prefix.</summary>
    public const string Prefix = "/api/v2/provisionerd";
}

/// <summary>A daemon asking for work.</summary>
public sealed record AcquireJobRequest
{
    /// <summary>A stable name for this daemon (host name plus an index, say); shown in logs and job details.</summary>
    public required string DaemonName { get; init; }

    /// <summary>The provisioners this daemon runs: <c>local</c>, <c>terraform</c>.</summary>
    public required IReadOnlyList<string> Provisioners { get; init; }

    /// <summary>How long the server may hold the request waiting for a job (1–60 s, default 10).</summary>
    public int WaitSeconds { get; init; } = 10;
}

/// <summary>A job the server handed to a daemon.</summary>
public sealed record AcquiredJob
{
    /// <summary>The job id.</summary>
    public required Guid JobId { get; init; }

    /// <summary>What the job does.</summary>
    public required ProvisionerJobType Type { get; init; }

    /// <summary>Which provisioner must run it: <c>local</c> or <c>terraform</c>.</summary>
    public required string Provisioner { get; init; }

    /// <summary>When the job was queued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The template source, a tar archive, named by the lowercase hex SHA-256 of its bytes. The daemon
    /// downloads it in chunks (<c>files/{hash}</c>) into its cache unless the cache already holds it.
    /// </summary>
    public required string TemplateFileHash { get; init; }

    /// <summary>
    /// The archive of the template's <c>.terraform/modules</c> made at import, by hash; null when the
    /// version has none (local templates, or Terraform templates without modules).
    /// </summary>
    public string? ModulesFileHash { get; init; }

    /// <summary>Set for <see cref="ProvisionerJobType.TemplateVersionImport"/>.</summary>
    public TemplateImportJob? TemplateImport { get; init; }

    /// <summary>Set for <see cref="ProvisionerJobType.WorkspaceBuild"/>.</summary>
    public WorkspaceBuildJob? WorkspaceBuild { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that queued the job (the request's trace, continued by
    /// the server's enqueue span); the daemon continues it for the job, its plan and apply, and hands it
    /// to terraform and the agents it starts as <c>TRACEPARENT</c>. Null when the request carried none.
    /// </summary>
    public string? TraceContext { get; init; }
}

/// <summary>The details of a template version import.</summary>
public sealed record TemplateImportJob
{
    /// <summary>The version being imported.</summary>
    public required Guid TemplateVersionId { get; init; }
}

/// <summary>The details of a workspace build.</summary>
public sealed record WorkspaceBuildJob
{
    /// <summary>The build.</summary>
    public required Guid BuildId { get; init; }

    /// <summary>The workspace.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The workspace's name.</summary>
    public required string WorkspaceName { get; init; }

    /// <summary>The owner's id.</summary>
    public required Guid OwnerId { get; init; }

    /// <summary>The owner's username.</summary>
    public required string OwnerName { get; init; }

    /// <summary>The template's name.</summary>
    public required string TemplateName { get; init; }

    /// <summary>The template version being built.</summary>
    public required Guid TemplateVersionId { get; init; }

    /// <summary>The build number (1 for the first build of the workspace).</summary>
    public required int BuildNumber { get; init; }

    /// <summary>start, stop or delete.</summary>
    public required WorkspaceTransition Transition { get; init; }

    /// <summary>The resolved parameter values of this build.</summary>
    public required IReadOnlyList<ParameterValue> Parameters { get; init; }

    /// <summary>The provisioner's private state from the previous build (empty for the first).</summary>
    public required byte[] PreviousState { get; init; }

    /// <summary>The URL agents must use to reach the server (the server's access URL).</summary>
    public required string AccessUrl { get; init; }

    /// <summary>
    /// The owner's secrets with their values, sorted by name: set on start builds only (stop and
    /// delete never carry them). The daemon passes them to the plan step alone (docs/secrets.md).
    /// </summary>
    public IReadOnlyList<Secrets.BuildSecret> UserSecrets { get; init; } = [];

    /// <summary>
    /// <c>create</c> for a prebuilt workspace's first build, <c>claim</c> for the build that hands a
    /// prebuilt workspace to its new owner (a provisioner keeps what is running and its agent tokens),
    /// <c>none</c> otherwise.
    /// </summary>
    public PrebuildStage PrebuildStage { get; init; }

    /// <summary>
    /// The AI task of a task workspace (<c>OUTPOST_TASK_ID</c> to the provisioner; docs/tasks.md); null otherwise.
    /// The local provisioner puts it in the environment of the agent its template names as the task agent.
    /// </summary>
    public Guid? TaskId { get; init; }

    /// <summary>The task's first prompt (<c>OUTPOST_TASK_PROMPT</c> to the provisioner); null when the workspace has no task.</summary>
    public string? TaskPrompt { get; init; }
}

/// <summary>Where a build stands in a prebuilt workspace's life.</summary>
public enum PrebuildStage
{
    /// <summary>An ordinary build.</summary>
    None,

    /// <summary>The first build of a prebuilt workspace, owned by the prebuilds system user.</summary>
    Create,

    /// <summary>The build that hands a ready prebuilt workspace to the user who claimed it.</summary>
    Claim,
}

/// <summary>One parameter's name and value.</summary>
public sealed record ParameterValue
{
    /// <summary>The parameter's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its value, as a string.</summary>
    public required string Value { get; init; }
}

/// <summary>One line of job output.</summary>
public sealed record ProvisionerLogLine
{
    /// <summary>When it was written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Severity.</summary>
    public ProvisionerLogLevel Level { get; init; } = ProvisionerLogLevel.Info;

    /// <summary>The build stage, e.g. "Planning", "Starting agents".</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>The text, without a trailing newline.</summary>
    public required string Output { get; init; }

    /// <summary>Who wrote it.</summary>
    public ProvisionerLogSource Source { get; init; } = ProvisionerLogSource.Provisioner;
}

/// <summary>The daemon's heartbeat, with any new log lines (at most 1,000 per request).</summary>
public sealed record UpdateJobRequest
{
    /// <summary>New log lines, oldest first; may be empty.</summary>
    public IReadOnlyList<ProvisionerLogLine> Logs { get; init; } = [];
}

/// <summary>The server's answer to a heartbeat.</summary>
public sealed record UpdateJobResponse
{
    /// <summary>True when a user canceled the job: stop, clean up, and fail it with a cancel message.</summary>
    public required bool Canceled { get; init; }
}

/// <summary>A successful job's results.</summary>
public sealed record CompleteJobRequest
{
    /// <summary>Set for an import: what the template declares.</summary>
    public TemplateImportResult? TemplateImport { get; init; }

    /// <summary>Set for a build: what now exists.</summary>
    public WorkspaceBuildResult? WorkspaceBuild { get; init; }

    /// <summary>
    /// Set to take the next job in the same call: once the completion is accepted, the server claims
    /// the next queued job this daemon can run, without waiting (<see cref="AcquireJobRequest.WaitSeconds"/>
    /// is ignored), and answers 200 with it. A busy queue then costs one request per job instead of two.
    /// </summary>
    public AcquireJobRequest? AcquireNext { get; init; }
}

/// <summary>The answer to a completion that asked for the next job (<see cref="CompleteJobRequest.AcquireNext"/>).</summary>
public sealed record CompleteJobResponse
{
    /// <summary>The next job, now this daemon's; null when none was queued (long-poll acquire as usual).</summary>
    public AcquiredJob? NextJob { get; init; }
}

/// <summary>What an imported template declares.</summary>
public sealed record TemplateImportResult
{
    /// <summary>The template's parameters.</summary>
    public required IReadOnlyList<TemplateVersionParameter> Parameters { get; init; }

    /// <summary>The resources a start build would create, with their agents (no tokens).</summary>
    public required IReadOnlyList<ProvisionedResource> Resources { get; init; }

    /// <summary>The template's README or description, if any.</summary>
    public string? Readme { get; init; }

    /// <summary>
    /// The archive of <c>.terraform/modules</c> made after <c>terraform init</c>, uploaded with <c>POST files</c>
    /// before the completion; builds of the version receive it as <see cref="AcquiredJob.ModulesFileHash"/>.
    /// Null when the template uses no modules (and for local templates).
    /// </summary>
    public string? ModulesFileHash { get; init; }

    /// <summary>The presets the template declares (<c>outpost_workspace_preset</c>), by name.</summary>
    public IReadOnlyList<TemplateVersionPreset> Presets { get; init; } = [];
}

/// <summary>A named set of parameter values a template offers when a workspace is created.</summary>
public sealed record TemplateVersionPreset
{
    /// <summary>The preset's name, unique within the version.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Picked unless someone picks another (at most one preset of a version is the default).</summary>
    public bool Default { get; init; }

    /// <summary>Parameter values by parameter name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The pool of prebuilt workspaces kept ready for this preset (docs/prebuilds.md); null for none.</summary>
    public PresetPrebuilds? Prebuilds { get; init; }
}

/// <summary>How many prebuilt workspaces of a preset the server keeps ready.</summary>
public sealed record PresetPrebuilds
{
    /// <summary>The number of ready workspaces to keep (0 keeps none).</summary>
    public int Instances { get; init; }
}

/// <summary>A parameter a template version declares.</summary>
public sealed record TemplateVersionParameter
{
    /// <summary>The name ([a-z][a-z0-9_]*).</summary>
    public required string Name { get; init; }

    /// <summary><c>string</c>, <c>number</c> or <c>bool</c> on the wire.</summary>
    public required ParameterType Type { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The default; null means the parameter is required.</summary>
    public string? DefaultValue { get; init; }

    /// <summary>Allowed values; empty means any.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>Whether later builds may change it.</summary>
    public bool Mutable { get; init; } = true;
}

/// <summary>What a successful build leaves behind.</summary>
public sealed record WorkspaceBuildResult
{
    /// <summary>The resources that exist now (for stop/delete, usually none with agents).</summary>
    public required IReadOnlyList<ProvisionedResource> Resources { get; init; }

    /// <summary>The provisioner's new private state, handed back on the next build.</summary>
    public required byte[] State { get; init; }
}

/// <summary>A resource a provisioner created or plans to.</summary>
public sealed record ProvisionedResource
{
    /// <summary>Its name within the template.</summary>
    public required string Name { get; init; }

    /// <summary>Its type, e.g. <c>local_workspace_directory</c>, <c>docker_container</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The agents that run in it.</summary>
    public IReadOnlyList<ProvisionedAgent> Agents { get; init; } = [];
}

/// <summary>An agent a build declared; the server merges its env and stores only a hash of its token.</summary>
public sealed record ProvisionedAgent
{
    /// <summary>Its name, unique in the workspace.</summary>
    public required string Name { get; init; }

    /// <summary>The working directory.</summary>
    public string Directory { get; init; } = string.Empty;

    /// <summary><c>linux</c> or <c>darwin</c>.</summary>
    public string OperatingSystem { get; init; } = "linux";

    /// <summary><c>amd64</c> or <c>arm64</c>.</summary>
    public string Architecture { get; init; } = "amd64";

    /// <summary>The agent's own environment; wins over <see cref="ExtraEnvs"/>.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment entries, in declaration order, merged by strategy.</summary>
    public IReadOnlyList<ExtraEnvEntry> ExtraEnvs { get; init; } = [];

    /// <summary>Startup and shutdown scripts.</summary>
    public IReadOnlyList<AgentScript> Scripts { get; init; } = [];

    /// <summary>Apps the agent serves.</summary>
    public IReadOnlyList<AgentApp> Apps { get; init; } = [];

    /// <summary>Seconds after which a never-connected agent is reported <c>timeout</c> (0 = never).</summary>
    public int ConnectionTimeoutSeconds { get; init; } = 120;

    /// <summary>The token the launched agent authenticates with; set by build results, never by imports.</summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// The cloud instance the agent runs on, for instance-identity authentication (<c>outpost_agent_instance</c>,
    /// or <c>instance_id</c> in <c>outpost.yaml</c>); several agents may share one.
    /// </summary>
    public string? AuthInstanceId { get; init; }
}

/// <summary>An extra environment entry (like Coder's <c>coder_env</c>).</summary>
public sealed record ExtraEnvEntry
{
    /// <summary>The variable's name.</summary>
    public required string Name { get; init; }

    /// <summary>The value.</summary>
    public required string Value { get; init; }

    /// <summary>How it combines with an earlier entry of the same name.</summary>
    public EnvMergeStrategy MergeStrategy { get; init; } = EnvMergeStrategy.Replace;
}

/// <summary>A script an agent runs.</summary>
public sealed record AgentScript
{
    /// <summary>A name for logs, e.g. "startup".</summary>
    public required string DisplayName { get; init; }

    /// <summary>The shell script.</summary>
    public required string Script { get; init; }

    /// <summary>Runs when the agent starts.</summary>
    public bool RunOnStart { get; init; }

    /// <summary>Runs when the agent shuts down.</summary>
    public bool RunOnStop { get; init; }

    /// <summary>Seconds before the script is considered hung (0 = no limit).</summary>
    public int TimeoutSeconds { get; init; }
}

/// <summary>An app an agent serves.</summary>
public sealed record AgentApp
{
    /// <summary>Unique per agent.</summary>
    public required string Slug { get; init; }

    /// <summary>What people see.</summary>
    public required string DisplayName { get; init; }

    /// <summary>Where it listens, from inside the workspace.</summary>
    public string? Url { get; init; }
}

/// <summary>A failed job.</summary>
public sealed record FailJobRequest
{
    /// <summary>What went wrong, in words a user can act on (shown with the build).</summary>
    public required string Error { get; init; }

    /// <summary>A machine-readable code, e.g. <c>canceled</c>, <c>env_merge</c>, <c>template_invalid</c>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>
    /// For a build whose apply failed or was stopped part way: the provisioner state it left (what
    /// was created before it stopped), which the server stores encrypted as the build's state so the
    /// next build, on any daemon, continues from it. Null when the failure changed no state.
    /// </summary>
    public byte[]? State { get; init; }
}

/// <summary>The header of a file download: what the chunks will add up to (coder-spec §8 <c>DataUpload</c>).</summary>
public sealed record FileDownload
{
    /// <summary>The fixed size of every chunk but the last: 2 MiB.</summary>
    public const int DefaultChunkSize = 2 << 20;

    /// <summary>Lowercase hex SHA-256 of the whole file.</summary>
    public required string Hash { get; init; }

    /// <summary>The file's size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The chunk size the pieces are cut at.</summary>
    public required int ChunkSize { get; init; }

    /// <summary>How many chunks: ceil(size / chunk size), so 0 for an empty file.</summary>
    public required int Chunks { get; init; }

    /// <summary>The number of chunks <paramref name="size"/> bytes make at <paramref name="chunkSize"/>.</summary>
    public static int ChunkCount(long size, int chunkSize) => (int)((size + chunkSize - 1) / chunkSize);
}

/// <summary>One piece of a file (coder-spec §8 <c>ChunkPiece</c>): every piece carries the full file's hash.</summary>
public sealed record FileChunk
{
    /// <summary>Lowercase hex SHA-256 of the whole file this piece belongs to.</summary>
    public required string FullDataHash { get; init; }

    /// <summary>Its position, from 0.</summary>
    public required int PieceIndex { get; init; }

    /// <summary>The bytes [index × chunk size, min((index + 1) × chunk size, size)).</summary>
    public required byte[] Data { get; init; }
}
