using Outpost.Provisioner.Environment;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Secrets;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// Something that turns templates into workspaces (<c>local</c>, <c>terraform</c>). A build is two
/// steps: <see cref="PlanAsync"/> decides what to create (and is the only step that will receive the
/// user's secrets), <see cref="ApplyAsync"/> makes it so. Between them the daemon merges each agent's
/// environment once (<see cref="BuildSteps"/>), so a merge error fails the build before anything
/// starts. Expected failures (a broken template, a merge error) are returned as values; cancellation
/// is an <see cref="OperationCanceledException"/>; any other exception fails the job with its message.
/// </summary>
internal interface IProvisioner
{
    /// <summary>The name jobs ask for: <c>local</c>, <c>terraform</c>.</summary>
    public string Name { get; }

    public Task<ProvisionerResult<ImportedTemplate>> ImportAsync(TemplateFiles files, IJobLog log, CancellationToken cancellationToken);

    public Task<ProvisionerResult<BuildPlan>> PlanAsync(PlanRequest request, IJobLog log, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a plan this provisioner made; <see cref="BuildPlan.MergedEnvironments"/> is set by then.
    /// A failure part way returns the state the apply left in <see cref="ProvisionerFailure.State"/>.
    /// </summary>
    public Task<ProvisionerResult<WorkspaceBuildResult>> ApplyAsync(BuildPlan plan, IJobLog log, CancellationToken cancellationToken);

    /// <summary>Drops a plan that will not be applied (the merge failed, the build was canceled), with whatever it left on disk.</summary>
    public void Discard(BuildPlan plan)
    {
    }
}

/// <summary>What a job's files are, fetched by hash: the template archive and, for Terraform, the modules archive made at import.</summary>
internal sealed record TemplateFiles(byte[] TemplateArchive, byte[]? ModulesArchive = null);

/// <summary>
/// What an import found, and for Terraform the archive of <c>.terraform/modules</c> as <c>terraform init</c>
/// left it, which the daemon stores on the server before completing so builds need not download modules.
/// </summary>
internal sealed record ImportedTemplate(TemplateImportResult Result, byte[]? ModulesArchive = null);

/// <summary>
/// What the plan step gets. User secrets travel here, and only here (seed 003): a start build's
/// secrets become <see cref="SecretVariables"/> (<c>OUTPOST_SECRET_ENV_*</c>, <c>OUTPOST_SECRET_FILE_*</c>)
/// and leave <see cref="Job"/>, so the plan a provisioner returns (which apply gets) carries none.
/// </summary>
internal sealed record PlanRequest
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public PlanRequest(WorkspaceBuildJob job, TemplateFiles files)
    {
        ArgumentNullException.ThrowIfNull(job);
        Job = job with { UserSecrets = [] };
        Files = files;
        SecretVariables = job.Transition == WorkspaceTransition.Start ? SecretEncoding.Encode(job.UserSecrets) : None;
    }

    public WorkspaceBuildJob Job { get; }

    public TemplateFiles Files { get; }

    /// <summary>The owner's secrets as plan-step environment variables; empty on stop and delete.</summary>
    public IReadOnlyDictionary<string, string> SecretVariables { get; }

    public override string ToString() => $"PlanRequest {{ Build = {Job.BuildId}, Secrets = {SecretVariables.Count} }}";
}

/// <summary>
/// A provisioner's plan: its own details (in a derived record) plus, for a start build, every agent's
/// environment inputs so the daemon can merge them before apply.
/// </summary>
internal abstract record BuildPlan
{
    public required WorkspaceBuildJob Job { get; init; }

    /// <summary>The agents a start build will report, with their env inputs in merge order; empty for stop/delete.</summary>
    public required IReadOnlyList<PlannedAgentEnvironment> Agents { get; init; }

    /// <summary>Set by the daemon after the merge: agent name to its environment (null when it has none).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>?> MergedEnvironments { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>?>();
}

/// <summary>
/// One agent's environment inputs: the extra entries (<c>outpost_env</c>, outpost.yaml <c>env</c>) in
/// the order they merge, and the agent's own env that wins over them. <paramref name="Address"/> names
/// the agent in errors (a Terraform resource address, or the agent's name).
/// </summary>
internal sealed record PlannedAgentEnvironment(string Agent, string Address, IReadOnlyList<ExtraEnv> ExtraEnvs, IReadOnlyDictionary<string, string> Env);
