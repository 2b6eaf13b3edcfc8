using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Local;

/// <summary>
/// The <c>local</c> provisioner: a workspace is a directory under <see cref="LocalProvisionerOptions.WorkspacesDirectory"/>
/// and one <c>outpost agent</c> process per agent. Plan is <see cref="LocalPlan"/>; this class applies it.
/// </summary>
internal sealed partial class LocalProvisioner : IProvisioner
{
    public const string ProvisionerName = "local";

    public const string ParsingStage = "Parsing template";
    public const string PlanningStage = "Planning";
    public const string DirectoryStage = "Creating workspace directory";
    public const string StartingStage = "Starting agents";
    public const string RemovingStage = "Removing workspace directory";


    private readonly LocalProvisionerOptions _options;
    private readonly ILogger _logger;
    private readonly AgentProcesses _processes;
    private readonly TimeProvider _time;

    public LocalProvisioner(LocalProvisionerOptions options, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        if (!Path.IsPathFullyQualified(options.WorkspacesDirectory))
        {
            throw new ArgumentException("the workspaces directory must be absolute", nameof(options));
        }

        if (options.AgentCommand.Count == 0)
        {
            throw new ArgumentException("the agent command is empty", nameof(options));
        }

        _options = options;
        _logger = logger;
        _processes = new AgentProcesses(options, time, logger);
    }

    public string Name => ProvisionerName;

    public string WorkspaceDirectory(Guid workspaceId) => Path.Join(Path.GetFullPath(_options.WorkspacesDirectory), workspaceId.ToString("D"));

    public async Task<ProvisionerResult<ImportedTemplate>> ImportAsync(TemplateFiles files, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var imported = await ImportAsync(files.TemplateArchive, log, cancellationToken).ConfigureAwait(false);
        return imported.Succeeded
            ? ProvisionerResult<ImportedTemplate>.Ok(new ImportedTemplate(imported.Value!))
            : ProvisionerResult<ImportedTemplate>.Fail(imported.Failure!.Error, imported.Failure.ErrorCode);
    }

    public Task<ProvisionerResult<TemplateImportResult>> ImportAsync(byte[] archive, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(log);
        var (template, failure) = Parse(archive, log);
        if (template is null)
        {
            return Task.FromResult(ProvisionerResult<TemplateImportResult>.Fail(failure!, ProvisionerErrorCodes.TemplateInvalid));
        }

        var result = ToImportResult(template, ReadReadme(archive));
        log.Info(ParsingStage, $"The template declares {template.Parameters.Count} parameter(s) and {template.Agents.Count} agent(s): {string.Join(", ", template.Agents.Select(agent => agent.Name))}");
        return Task.FromResult(ProvisionerResult<TemplateImportResult>.Ok(result));
    }

    /// <summary>Plan, merge and apply in one call (<see cref="BuildSteps"/>), as the daemon runs a build.</summary>
    public Task<ProvisionerResult<WorkspaceBuildResult>> BuildAsync(WorkspaceBuildJob job, byte[] archive, IJobLog log, CancellationToken cancellationToken) =>
        BuildSteps.RunAsync(this, new PlanRequest(job, new TemplateFiles(archive)), log, cancellationToken);

    public Task<ProvisionerResult<BuildPlan>> PlanAsync(PlanRequest request, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var (job, archive) = (request.Job, request.Files.TemplateArchive);
        var (template, failure) = Parse(archive, log);
        if (template is null)
        {
            return Task.FromResult(ProvisionerResult<BuildPlan>.Fail(failure!, ProvisionerErrorCodes.TemplateInvalid));
        }

        var workspace = WorkspaceDirectory(job.WorkspaceId);
        var planned = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template,
            Parameters = Resolve(template, job.Parameters),
            Transition = job.Transition,
            WorkspaceDirectory = workspace,
            TaskId = job.TaskId,
        });
        if (!planned.Succeeded)
        {
            log.Error(PlanningStage, planned.Error!);
            return Task.FromResult(ProvisionerResult<BuildPlan>.Fail(planned.Error!, ProvisionerErrorCodes.EnvMerge));
        }

        var (secrets, missing) = job.Transition == WorkspaceTransition.Start
            ? LocalSecrets.Resolve(template, request.SecretVariables, workspace)
            : (LocalSecrets.None, null);
        if (missing is not null)
        {
            log.Error(PlanningStage, missing);
            return Task.FromResult(ProvisionerResult<BuildPlan>.Fail(missing, ProvisionerErrorCodes.SecretMissing));
        }

        var plan = planned.Plan!;
        foreach (var resource in plan.Resources)
        {
            log.Info(PlanningStage, $"{resource.Change.ToString().ToLowerInvariant()} {resource.Type}.{resource.Name}");
        }

        return Task.FromResult(ProvisionerResult<BuildPlan>.Ok(new LocalBuildPlan
        {
            Job = job,
            Archive = archive,
            Workspace = plan,
            Secrets = secrets,
            Agents = [.. plan.Agents.Select(agent => new PlannedAgentEnvironment(agent.Name, $"agent \"{agent.Name}\"", agent.ExtraEnvs, agent.Env))],
        }));
    }

    public async Task<ProvisionerResult<WorkspaceBuildResult>> ApplyAsync(BuildPlan plan, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (plan is not LocalBuildPlan local)
        {
            throw new ArgumentException("the local provisioner applies only its own plans", nameof(plan));
        }

        var (job, archive, workspacePlan) = (local.Job, local.Archive, local.Workspace);
        var workspace = workspacePlan.WorkspaceDirectory;
        var previous = PreviousProcesses(job, workspace);
        cancellationToken.ThrowIfCancellationRequested();
        if (job is { Transition: WorkspaceTransition.Start, PrebuildStage: PrebuildStage.Claim } && KeepsRunningAgents(previous, workspacePlan))
        {
            // A claim hands the running prebuilt workspace over: its agents keep running (and keep
            // their tokens, which the server moves to this build) and reinitialise as the new owner.
            log.Info(StartingStage, $"Keeping the {previous.Count} running agent(s) of the prebuilt workspace; they reinitialise for {job.OwnerName}");
            return ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult
            {
                Resources = ToResources(workspacePlan, tokens: null),
                State = new LocalState { Processes = previous }.ToBytes(),
            });
        }

        await StopAllAsync(previous, log, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<ProvisionedResource> resources;
        LocalState state;
        switch (job.Transition)
        {
            case WorkspaceTransition.Start:
                var started = await StartAsync(job, workspacePlan, archive, local.Secrets, log, cancellationToken).ConfigureAwait(false);
                if (started.Failure is not null)
                {
                    return ProvisionerResult<WorkspaceBuildResult>.Fail(started.Failure, ProvisionerErrorCodes.ApplyFailed);
                }

                state = started.State!;
                resources = ToResources(workspacePlan, started.Tokens);
                break;
            case WorkspaceTransition.Delete:
                await RemoveWorkspaceAsync(workspace, log, cancellationToken).ConfigureAwait(false);
                state = LocalState.Empty;
                resources = [];
                break;
            default:
                WriteProcessesFile(workspace, LocalState.Empty);
                state = LocalState.Empty;
                resources = ToResources(workspacePlan, tokens: null);
                break;
        }

        return ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult { Resources = resources, State = state.ToBytes() });
    }

    private async Task<StartResult> StartAsync(
        WorkspaceBuildJob job, LocalWorkspacePlan plan, byte[] archive, IReadOnlyDictionary<string, AgentSecrets> secrets, IJobLog log, CancellationToken cancellationToken)
    {
        var workspace = plan.WorkspaceDirectory;
        if (_options.Sandbox is { RefusalReason: { } refused })
        {
            return StartResult.Failed(refused);
        }

        log.Info(DirectoryStage, Directory.Exists(workspace) ? $"Using the existing workspace directory {workspace}" : $"Creating workspace directory {workspace}");
        foreach (var directory in plan.DirectoriesToCreate.Append(LocalLayout.LogsDirectory(workspace)))
        {
            Directory.CreateDirectory(directory);
        }

        var templateDirectory = LocalLayout.TemplateDirectory(workspace);
        if (Directory.Exists(templateDirectory))
        {
            Directory.Delete(templateDirectory, recursive: true);
        }

        var extracted = TemplateArchive.Extract(new MemoryStream(archive, writable: false), templateDirectory, _options.ArchiveLimits);
        if (!extracted.Succeeded)
        {
            return StartResult.Failed($"could not unpack the template into {templateDirectory}: {extracted.Error}");
        }

        log.Info(DirectoryStage, $"Unpacked the template's {extracted.Files.Count} file(s) into {templateDirectory}");
        SecureLayout(workspace, plan);

        var accessUrl = _options.AccessUrl ?? job.AccessUrl;
        if (!Uri.TryCreate(accessUrl, UriKind.Absolute, out _))
        {
            // Agents started without a way back to the server would sit in "connecting" until they time out.
            return StartResult.Failed($"the build has no usable access URL for its agents (\"{accessUrl}\"); set the server's --access-url");
        }

        var launched = new List<AgentProcessRecord>();
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var process in plan.Processes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = AgentToken.New();

                // The token goes in a 0600 file the agent reads and deletes, not in its environment:
                // a workspace process could read the agent's environment from /proc/<pid>/environ.
                var tokenFile = LocalLayout.AgentTokenFile(workspace, process.AgentName);
                Directory.CreateDirectory(Path.GetDirectoryName(tokenFile)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                _options.Sandbox?.GiveToWorkspaceUser(Path.GetDirectoryName(tokenFile)!);
                WritePrivateFile(tokenFile, token);
                _options.Sandbox?.GiveToWorkspaceUser(tokenFile);
                var environment = new Dictionary<string, string>(process.Environment, StringComparer.Ordinal)
                {
                    [AgentEnvironment.AgentUrl] = accessUrl,
                    [AgentEnvironment.AgentTokenFile] = tokenFile,
                    [AgentEnvironment.AgentName] = process.AgentName,
                    // Local workspaces share the server's network: clients reach their agents directly on loopback.
                    [AgentEnvironment.AgentDirectAddress] = "127.0.0.1:0",
                };
                if (secrets.TryGetValue(process.AgentName, out var agentSecrets))
                {
                    // Into the process, not the reported agent env the server stores (docs/secrets.md).
                    LocalSecrets.WriteFiles(agentSecrets, workspace, _options.Sandbox);
                    foreach (var (name, value) in agentSecrets.Env)
                    {
                        environment[name] = value;
                    }

                    log.Info(StartingStage, $"Agent {process.AgentName} gets {agentSecrets.Env.Count} secret variable(s) and {agentSecrets.Files.Count} secret file(s)");
                }

                var logFile = LocalLayout.AgentLogFile(workspace, process.AgentName);
                var command = _options.Sandbox is { } sandbox ? sandbox.Wrap(_options.AgentCommand, workspace) : _options.AgentCommand;
                var result = _processes.Launch(process.AgentName, command, process.WorkingDirectory, environment, logFile, sandboxed: _options.Sandbox is not null);
                if (result.Error is not null)
                {
                    log.Error(StartingStage, result.Error);
                    await RollBackAsync(job.WorkspaceId, workspace, launched, log).ConfigureAwait(false);
                    return StartResult.Failed(result.Error);
                }

                launched.Add(new AgentProcessRecord
                {
                    Agent = process.AgentName,
                    Pid = result.Pid,
                    StartTime = result.StartTime,
                    ShutdownTimeoutSeconds = (int)Math.Ceiling(process.ShutdownTimeout.TotalSeconds),
                });
                WriteProcessesFile(workspace, new LocalState { Processes = launched });
                tokens[process.AgentName] = token;
                log.Info(StartingStage, $"Starting agent {process.AgentName} (pid {result.Pid}); output in {logFile}");
            }
        }
        catch (Exception) when (launched.Count > 0)
        {
            // A failed or canceled start reports no state, so nothing would ever stop what it launched.
            await RollBackAsync(job.WorkspaceId, workspace, launched, log).ConfigureAwait(false);
            throw;
        }

        return new StartResult { State = new LocalState { Processes = launched }, Tokens = tokens };
    }

    /// <summary>
    /// The workspace directory is its user's alone (0700); Outpost's metadata stays the daemon's
    /// (0711: the agent reaches the template and its own directory by name, and can neither list nor
    /// change the rest), its logs 0700.
    /// </summary>
    private void SecureLayout(string workspace, LocalWorkspacePlan plan)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var metadata = LocalLayout.MetadataDirectory(workspace);
        File.SetUnixFileMode(workspace, Private);
        File.SetUnixFileMode(metadata, Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(LocalLayout.LogsDirectory(workspace), Private);
        Directory.CreateDirectory(Path.Join(metadata, "agents"));
        File.SetUnixFileMode(Path.Join(metadata, "agents"), Private | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        foreach (var directory in plan.DirectoriesToCreate.Where(d => !d.StartsWith(metadata, StringComparison.Ordinal)))
        {
            _options.Sandbox?.GiveToWorkspaceUser(directory);
        }
    }

    private async Task RollBackAsync(Guid workspaceId, string workspace, List<AgentProcessRecord> launched, IJobLog log)
    {
        if (launched.Count == 0)
        {
            return;
        }

        LocalLog.RollingBack(_logger, workspaceId, launched.Count);
        log.Warn(StartingStage, $"The start did not finish; stopping the {launched.Count} agent(s) it launched");
        await StopAllAsync(launched, log, CancellationToken.None).ConfigureAwait(false);
        WriteProcessesFile(workspace, LocalState.Empty);
    }

    private Task StopAllAsync(IReadOnlyList<AgentProcessRecord> processes, IJobLog log, CancellationToken cancellationToken) =>
        processes.Count == 0
            ? Task.CompletedTask
            : Task.WhenAll(processes.Select(process => _processes.StopAsync(process, log, cancellationToken)));

    private async Task RemoveWorkspaceAsync(string workspace, IJobLog log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(workspace))
        {
            log.Info(RemovingStage, $"The workspace directory {workspace} does not exist; nothing to remove");
            return;
        }

        log.Info(RemovingStage, $"Removing workspace directory {workspace}");

        // A sandboxed workspace's last writes can land just after its sandbox's monitor process
        // has exited; a few short retries let them settle instead of failing the delete.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(workspace, recursive: true);
                break;
            }
            catch (IOException) when (attempt < 5 && Directory.Exists(workspace))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }

        LocalLog.DirectoryRemoved(_logger, workspace);
    }

    /// <summary>True when every agent the plan asks for is running, exactly once, as recorded.</summary>
    private static bool KeepsRunningAgents(List<AgentProcessRecord> previous, LocalWorkspacePlan plan) =>
        previous.Count == plan.Processes.Count
        && plan.Processes.All(process => previous.Count(record => record.Agent == process.AgentName) == 1)
        && previous.All(record => ProcessIdentity.IsSame(record.Pid, record.StartTime));

    private sealed record StartResult
    {
        public LocalState? State { get; init; }

        public IReadOnlyDictionary<string, string>? Tokens { get; init; }

        public string? Failure { get; init; }

        public static StartResult Failed(string failure) => new() { Failure = failure };
    }
}

/// <summary>The local provisioner's plan: the workspace plan and the archive to unpack.</summary>
internal sealed record LocalBuildPlan : BuildPlan
{
    public required byte[] Archive { get; init; }

    public required LocalWorkspacePlan Workspace { get; init; }

    /// <summary>The owner's secrets for each agent, resolved at plan time on a start build (empty otherwise).</summary>
    public IReadOnlyDictionary<string, AgentSecrets> Secrets { get; init; } = LocalSecrets.None;
}
