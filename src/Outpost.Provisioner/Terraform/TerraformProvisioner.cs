using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Terraform;

/// <summary>
/// The <c>terraform</c> provisioner: each workspace has a working directory where the template is
/// unpacked and its state kept between steps; <c>terraform init</c>, <c>plan -out</c> (the plan step),
/// then <c>apply</c> of the saved plan (the apply step); <c>show -json</c> reads what was built. The
/// Outpost provider is this very binary, installed through a generated CLI configuration (no
/// registry, no network). The state goes back to the server with the result, or with the failure
/// when an apply stops part way, and returns with the next build (stop and delete destroy through
/// it); the working directory holds it, in plaintext, only while a build runs.
/// </summary>
internal sealed class TerraformProvisioner : IProvisioner
{
    public const string ProvisionerName = "terraform";
    public const string InitStage = "Initializing terraform";
    public const string PlanStage = "Planning";
    public const string ApplyStage = "Applying";
    public const string ReadStage = "Reading state";
    public const string PlanFile = "outpost.tfplan";
    public const string StateFile = "terraform.tfstate";

    /// <summary>Where terraform writes the state it could not save to the state file (a full disk, say).</summary>
    public const string ErroredStateFile = "errored.tfstate";

    private readonly TerraformProvisionerOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<Task<string?>> _unavailable;

    public TerraformProvisioner(TerraformProvisionerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Path.IsPathFullyQualified(options.WorkspacesDirectory))
        {
            throw new ArgumentException("the workspaces directory must be absolute", nameof(options));
        }

        _options = options;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _unavailable = new Lazy<Task<string?>>(async () =>
        {
            var (_, problem) = await TerraformBinary.CheckAsync(options.TerraformPath, CancellationToken.None).ConfigureAwait(false);
            if (problem is not null)
            {
                TerraformLog.Unavailable(_logger, problem);
            }

            return problem;
        });
    }

    public string Name => ProvisionerName;

    public string Root => Path.Join(Path.GetFullPath(_options.WorkspacesDirectory), "terraform");

    public string WorkingDirectory(Guid workspaceId) => Path.Join(Root, workspaceId.ToString("D"));

    public async Task<ProvisionerResult<ImportedTemplate>> ImportAsync(TemplateFiles files, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(log);
        if (await _unavailable.Value.ConfigureAwait(false) is { } problem)
        {
            return ProvisionerResult<ImportedTemplate>.Fail(problem, ProvisionerErrorCodes.ProvisionerUnavailable);
        }

        var directory = Path.Join(Root, "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (Unpack(files.TemplateArchive, directory, log) is { } unpackProblem)
            {
                return ProvisionerResult<ImportedTemplate>.Fail(unpackProblem, ProvisionerErrorCodes.TemplateInvalid);
            }

            // Outside a build: no build id, transition start, so the plan shows what a start creates.
            var environment = Environment(job: null, accessUrl: string.Empty);
            var runner = Runner();
            var init = await runner.RunAsync("init", directory, environment, ["init", "-input=false", "-no-color", "-json", "-upgrade"], log, streamOutput: true, Guid.Empty, cancellationToken).ConfigureAwait(false);
            if (!init.Succeeded)
            {
                return ProvisionerResult<ImportedTemplate>.Fail(init.Failure("init"), ProvisionerErrorCodes.TemplateInvalid);
            }

            var plan = await runner.RunAsync("plan", directory, environment, ["plan", "-input=false", "-no-color", "-json", "-refresh=false", $"-out={PlanFile}"], log, streamOutput: true, Guid.Empty, cancellationToken).ConfigureAwait(false);
            if (!plan.Succeeded)
            {
                return ProvisionerResult<ImportedTemplate>.Fail(plan.Failure("plan"), ProvisionerErrorCodes.TemplateInvalid);
            }

            var shown = await ShowAsync(runner, directory, environment, PlanFile, log, Guid.Empty, cancellationToken).ConfigureAwait(false);
            if (shown.Json is not { } json)
            {
                return ProvisionerResult<ImportedTemplate>.Fail(shown.Failure!, ProvisionerErrorCodes.TemplateInvalid);
            }

            var resources = TerraformJson.PlanResources(json);
            var result = new TemplateImportResult
            {
                Parameters = TerraformJson.Parameters(resources),
                Resources = TerraformJson.ToResources(resources, withTokens: false, TerraformJson.ConfigurationReferences(json)),
                Readme = File.Exists(Path.Join(directory, "README.md")) ? await File.ReadAllTextAsync(Path.Join(directory, "README.md"), cancellationToken).ConfigureAwait(false) : null,
                Presets = TerraformJson.Presets(resources),
            };
            if (PresetProblem(resources, result.Parameters) is { } presetProblem)
            {
                log.Write(ProvisionerLogLevel.Error, PlanStage, presetProblem);
                return ProvisionerResult<ImportedTemplate>.Fail(presetProblem, ProvisionerErrorCodes.TemplateInvalid);
            }

            var modules = PackModules(directory, log);
            if (modules.Error is { } modulesProblem)
            {
                return ProvisionerResult<ImportedTemplate>.Fail(modulesProblem, ProvisionerErrorCodes.TemplateInvalid);
            }

            log.Info(PlanStage, $"The template declares {result.Parameters.Count} parameter(s), {result.Presets.Count} preset(s) and {result.Resources.Sum(r => r.Agents.Count)} agent(s)");
            return ProvisionerResult<ImportedTemplate>.Ok(new ImportedTemplate(result, modules.Tar));
        }
        finally
        {
            TryDelete(directory);
        }
    }

    public async Task<ProvisionerResult<BuildPlan>> PlanAsync(PlanRequest request, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (await _unavailable.Value.ConfigureAwait(false) is { } problem)
        {
            return ProvisionerResult<BuildPlan>.Fail(problem, ProvisionerErrorCodes.ProvisionerUnavailable);
        }

        var job = request.Job;
        var directory = WorkingDirectory(job.WorkspaceId);
        if (Unpack(request.Files.TemplateArchive, directory, log) is { } unpackProblem)
        {
            return ProvisionerResult<BuildPlan>.Fail(unpackProblem, ProvisionerErrorCodes.TemplateInvalid);
        }

        var unreported = await RestoreStateAsync(job, Path.Join(directory, StateFile), log, cancellationToken).ConfigureAwait(false);
        ProvisionerResult<BuildPlan>? result = null;
        try
        {
            result = await PlanInAsync(request, directory, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A plan that will not be applied leaves neither the restored state nor a plan file behind.
            if (result is not { Succeeded: true })
            {
                RemoveBakedFiles(directory);
            }
        }

        // A state only this directory knew goes to the server with the failure rather than being lost.
        return result.Succeeded || unreported is null ? result : ProvisionerResult<BuildPlan>.Fail(result.Failure!.Error, result.Failure.ErrorCode, unreported);
    }

    private async Task<ProvisionerResult<BuildPlan>> PlanInAsync(PlanRequest request, string directory, IJobLog log, CancellationToken cancellationToken)
    {
        var job = request.Job;
        var environment = Environment(job, _options.AccessUrl ?? job.AccessUrl);
        var runner = Runner();
        List<string> initArguments = ["init", "-input=false", "-no-color", "-json", "-upgrade"];
        if (request.Files.ModulesArchive is { } modules)
        {
            // The modules archived at import replace .terraform/modules, so init finds them in place
            // and downloads nothing; without -upgrade it keeps them (the lock file is recomputed).
            if (UnpackModules(modules, directory, log) is { } modulesProblem)
            {
                return ProvisionerResult<BuildPlan>.Fail(modulesProblem, ProvisionerErrorCodes.TemplateInvalid);
            }

            initArguments.Remove("-upgrade");
            File.Delete(Path.Join(directory, ".terraform.lock.hcl"));
        }

        var init = await runner.RunAsync("init", directory, environment, initArguments, log, streamOutput: true, job.WorkspaceId, cancellationToken).ConfigureAwait(false);
        if (!init.Succeeded)
        {
            return ProvisionerResult<BuildPlan>.Fail(init.Failure("init"), ProvisionerErrorCodes.TemplateInvalid);
        }

        List<string> arguments = ["plan", "-input=false", "-no-color", "-json", $"-out={PlanFile}"];
        if (job.Transition == WorkspaceTransition.Delete)
        {
            arguments.Add("-destroy");
        }

        var plan = await runner.RunAsync("plan", directory, PlanEnvironment(environment, request.SecretVariables), arguments, log, streamOutput: true, job.WorkspaceId, cancellationToken).ConfigureAwait(false);
        if (!plan.Succeeded)
        {
            return ProvisionerResult<BuildPlan>.Fail(plan.Failure("plan"), ProvisionerErrorCodes.TemplateInvalid);
        }

        var shown = await ShowAsync(runner, directory, environment, PlanFile, log, job.WorkspaceId, cancellationToken).ConfigureAwait(false);
        if (shown.Json is not { } json)
        {
            return ProvisionerResult<BuildPlan>.Fail(shown.Failure!, ProvisionerErrorCodes.ProvisionerError);
        }

        return ProvisionerResult<BuildPlan>.Ok(new TerraformBuildPlan
        {
            Job = job,
            Directory = directory,
            Agents = job.Transition == WorkspaceTransition.Start ? TerraformJson.PlannedEnvironments(json) : [],
        });
    }

    public async Task<ProvisionerResult<WorkspaceBuildResult>> ApplyAsync(BuildPlan plan, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (plan is not TerraformBuildPlan terraform)
        {
            throw new ArgumentException("the terraform provisioner applies only its own plans", nameof(plan));
        }

        var job = terraform.Job;
        // Apply runs the saved plan; secrets (seed 003) are baked into it and not passed again.
        var environment = Environment(job, _options.AccessUrl ?? job.AccessUrl);
        var runner = Runner();
        var applied = await runner.RunAsync("apply", terraform.Directory, environment, ["apply", "-input=false", "-no-color", "-json", PlanFile], log, streamOutput: true, job.WorkspaceId, cancellationToken).ConfigureAwait(false);
        if (!applied.Succeeded)
        {
            // What the apply created before it stopped is in the state it left: it goes to the server
            // with the failure (stored encrypted, and the next build continues from it), never stays here.
            var left = await ReadStateAsync(terraform.Directory, CancellationToken.None).ConfigureAwait(false);
            RemoveBakedFiles(terraform.Directory);
            return ProvisionerResult<WorkspaceBuildResult>.Fail(applied.Failure("apply"), ProvisionerErrorCodes.ApplyFailed, left);
        }

        var state = await ReadStateAsync(terraform.Directory, CancellationToken.None).ConfigureAwait(false) ?? [];
        var shown = await ShowAsync(runner, terraform.Directory, environment, planFile: null, log, job.WorkspaceId, cancellationToken).ConfigureAwait(false);
        RemoveBakedFiles(terraform.Directory);
        if (shown.Json is not { } json)
        {
            return ProvisionerResult<WorkspaceBuildResult>.Fail(shown.Failure!, ProvisionerErrorCodes.ProvisionerError, state);
        }

        var resources = TerraformJson.ToResources(TerraformJson.StateResources(json), withTokens: true);
        if (job.Transition == WorkspaceTransition.Delete)
        {
            TryDelete(terraform.Directory);
        }

        return ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult { Resources = resources, State = state });
    }

    /// <summary>
    /// The state comes from the server each build: the newest an earlier build stored, a failed
    /// apply's included (its failure carries it). A later state of the same lineage is left in the
    /// working directory only when the daemon itself died during an apply (it never reported the
    /// failure); that one records resources the server's copy does not know, so the build continues
    /// from it rather than orphaning them, and its outcome sends it to the server.
    /// </summary>
    /// <returns>The state kept from the working directory, which the server lacks; null when the server's was restored.</returns>
    private static async Task<byte[]?> RestoreStateAsync(WorkspaceBuildJob job, string statePath, IJobLog log, CancellationToken cancellationToken)
    {
        var local = File.Exists(statePath) ? await File.ReadAllBytesAsync(statePath, cancellationToken).ConfigureAwait(false) : null;
        var (localLineage, localSerial) = TerraformJson.StateVersion(local);
        var (serverLineage, serverSerial) = TerraformJson.StateVersion(job.PreviousState);
        if (localLineage is not null && (serverLineage is null || serverLineage == localLineage) && localSerial > serverSerial)
        {
            log.Warn(InitStage, $"Continuing from the state an interrupted apply left in the working directory (serial {localSerial}; the server's is {(serverLineage is null ? "absent" : serverSerial)})");
            return local;
        }

        if (job.PreviousState.Length > 0)
        {
            await File.WriteAllBytesAsync(statePath, job.PreviousState, cancellationToken).ConfigureAwait(false);
        }
        else if (local is not null)
        {
            File.Delete(statePath);
        }

        return null;
    }

    private TerraformRunner Runner() => new(_options.TerraformPath!, _options.StageTimeout, _options.CancelGrace, _logger);

    private async Task<(JsonElement? Json, string? Failure)> ShowAsync(
        TerraformRunner runner, string directory, IReadOnlyDictionary<string, string> environment, string? planFile, IJobLog log, Guid workspaceId, CancellationToken cancellationToken)
    {
        List<string> arguments = ["show", "-json", "-no-color"];
        if (planFile is not null)
        {
            arguments.Add(planFile);
        }

        var shown = await runner.RunAsync("show", directory, environment, arguments, log, streamOutput: false, workspaceId, cancellationToken).ConfigureAwait(false);
        if (!shown.Succeeded)
        {
            return (null, shown.Failure("show"));
        }

        using var document = JsonDocument.Parse(shown.Output);
        return (document.RootElement.Clone(), null);
    }

    /// <summary>
    /// Replaces the template's files in <paramref name="directory"/>: what the previous template
    /// unpacked (listed in <see cref="TemplateListFile"/>) goes, the rest stays — the state,
    /// <c>.terraform</c>, and whatever the workspace itself keeps there (a home directory, say).
    /// </summary>
    private string? Unpack(byte[] archive, string directory, IJobLog log)
    {
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var staging = directory + ".unpack";
        TryDelete(staging);
        var extracted = TemplateArchive.Extract(new MemoryStream(archive, writable: false), staging, _options.ArchiveLimits);
        if (!extracted.Succeeded)
        {
            TryDelete(staging);
            return $"could not unpack the template: {extracted.Error}";
        }

        var list = Path.Join(directory, TemplateListFile);
        var previous = File.Exists(list) ? File.ReadAllLines(list) : [];
        foreach (var name in previous.Where(name => name.Length > 0 && name is not (".terraform" or StateFile) && !name.Contains('/', StringComparison.Ordinal)))
        {
            var path = Path.Join(directory, name);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        var names = new List<string>();
        foreach (var entry in new DirectoryInfo(staging).EnumerateFileSystemInfos())
        {
            var target = Path.Join(directory, entry.Name);
            if (entry is DirectoryInfo)
            {
                if (Directory.Exists(target))
                {
                    Directory.Delete(target, recursive: true);
                }

                Directory.Move(entry.FullName, target);
            }
            else
            {
                File.Move(entry.FullName, target, overwrite: true);
            }

            names.Add(entry.Name);
        }

        File.WriteAllLines(list, names);
        TryDelete(staging);
        log.Info(InitStage, $"Unpacked the template's {extracted.Files.Count} file(s) into {directory}");
        return null;
    }

    /// <summary>
    /// The archive of <c>.terraform/modules</c> as the import's <c>terraform init</c> left it (the
    /// modules it downloaded, at the versions it resolved), or no archive when the template calls no
    /// remote module (only the manifest is there then, and init rebuilds it without a download).
    /// </summary>
    private PackedTemplate PackModules(string directory, IJobLog log)
    {
        var modules = Path.Join(directory, ".terraform", "modules");
        if (!Directory.Exists(modules) || !Directory.EnumerateDirectories(modules).Any())
        {
            return new PackedTemplate();
        }

        var packed = TemplateArchive.PackDirectory(modules, _options.ArchiveLimits.MaxTotalBytes);
        if (packed.Error is { } error)
        {
            var problem = $"could not archive the template's modules: {error}";
            log.Write(ProvisionerLogLevel.Error, InitStage, problem);
            return new PackedTemplate { Error = problem };
        }

        log.Info(InitStage, $"Archived the modules terraform init downloaded ({packed.Tar!.Length:N0} bytes); builds of this version unpack them instead of downloading");
        return packed;
    }

    /// <summary>A preset naming a parameter the template does not declare, or more than one default preset.</summary>
    private static string? PresetProblem(List<TerraformResource> resources, IReadOnlyList<TemplateVersionParameter> parameters)
    {
        var declared = parameters.Select(parameter => parameter.Name).ToHashSet(StringComparer.Ordinal);
        var presets = resources.Where(resource => resource.Mode == "data" && resource.Type == TerraformJson.Preset).OrderBy(preset => preset.Address, StringComparer.Ordinal).ToList();
        foreach (var preset in presets)
        {
            if (preset.Map("parameters").Keys.FirstOrDefault(name => !declared.Contains(name)) is { } unknown)
            {
                return $"{preset.Address}: parameter \"{unknown}\" is not declared by any outpost_parameter";
            }
        }

        var defaults = presets.Where(preset => preset.Bool("default")).Select(preset => preset.Address).ToList();
        return defaults.Count > 1 ? $"{string.Join(" and ", defaults)}: only one preset may be the default" : null;
    }

    /// <summary>Replaces <c>.terraform/modules</c> with the modules archive made at import.</summary>
    private string? UnpackModules(byte[] archive, string directory, IJobLog log)
    {
        var modules = Path.Join(directory, ".terraform", "modules");
        TryDelete(modules);
        var extracted = TemplateArchive.Extract(new MemoryStream(archive, writable: false), modules, _options.ArchiveLimits);
        if (!extracted.Succeeded)
        {
            return $"could not unpack the template's modules: {extracted.Error}";
        }

        log.Info(InitStage, $"Unpacked {extracted.Files.Count} module file(s) cached at import into {modules}");
        return null;
    }

    /// <summary>
    /// <c>terraform plan</c>'s environment, the only step that sees user secrets (seed 003): host
    /// <c>OUTPOST_SECRET_*</c> and <c>CODER_*</c> variables are dropped first, so a host value never
    /// stands in for a secret, then the build's encoded secrets are added.
    /// </summary>
    internal static Dictionary<string, string> PlanEnvironment(IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> secretVariables)
    {
        var planEnvironment = environment.Where(entry => !Sdk.Secrets.SecretEncoding.IsStrippedHostVariable(entry.Key))
            .ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        foreach (var (name, value) in secretVariables)
        {
            planEnvironment[name] = value;
        }

        return planEnvironment;
    }

    /// <summary>
    /// The plan file and the state on disk hold values baked in at plan time (user secrets, agent
    /// tokens); once apply has read the state for the server, which stores it encrypted, or the plan
    /// will not be applied, they go. Every build writes the state it gets from the server back before it plans.
    /// </summary>
    private static void RemoveBakedFiles(string directory)
    {
        // The lock's info file is left by a terraform that was killed; no terraform runs here now.
        foreach (var name in new[] { PlanFile, StateFile, StateFile + ".backup", ErroredStateFile, "." + StateFile + ".lock.info" })
        {
            File.Delete(Path.Join(directory, name));
        }
    }

    public void Discard(BuildPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan is TerraformBuildPlan terraform)
        {
            RemoveBakedFiles(terraform.Directory);
        }
    }

    /// <summary>The state an apply left: what terraform could not save to the state file when there is such, else the state file; null when there is none.</summary>
    private static async Task<byte[]?> ReadStateAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var name in new[] { ErroredStateFile, StateFile })
        {
            var path = Path.Join(directory, name);
            if (File.Exists(path))
            {
                return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>Where the working directory records which top-level entries came from the template.</summary>
    public const string TemplateListFile = ".outpost-template-files";

    /// <summary>
    /// terraform's environment: the host's, minus anything OUTPOST_* or TF_* a host might leak into the
    /// provider, plus the generated CLI configuration and what the provider reads about this build.
    /// </summary>
    private Dictionary<string, string> Environment(WorkspaceBuildJob? job, string accessUrl)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!name.StartsWith("OUTPOST_", StringComparison.Ordinal) && !name.StartsWith("TF_", StringComparison.Ordinal))
            {
                environment[name] = (string?)entry.Value ?? string.Empty;
            }
        }

        environment["TF_CLI_CONFIG_FILE"] = WriteCliConfiguration();
        environment["TF_IN_AUTOMATION"] = "1";
        environment["TF_INPUT"] = "0";
        environment["CHECKPOINT_DISABLE"] = "1";
        environment["OUTPOST_TELEMETRY"] = "off";
        environment["OUTPOST_AGENT_COMMAND"] = string.Join(' ', _options.OutpostCommand.Select(Quote));
        environment["OUTPOST_WORKSPACE_ACCESS_URL"] = accessUrl;
        if (job is null)
        {
            return environment;
        }

        environment["OUTPOST_WORKSPACE_ID"] = job.WorkspaceId.ToString("D");
        environment["OUTPOST_WORKSPACE_NAME"] = job.WorkspaceName;
        environment["OUTPOST_WORKSPACE_TRANSITION"] = job.Transition.ToString().ToLowerInvariant();
        environment["OUTPOST_WORKSPACE_BUILD_ID"] = job.BuildId.ToString("D");
        environment["OUTPOST_WORKSPACE_TEMPLATE_NAME"] = job.TemplateName;
        environment["OUTPOST_WORKSPACE_TEMPLATE_VERSION"] = job.TemplateVersionId.ToString("D");
        environment["OUTPOST_WORKSPACE_OWNER_ID"] = job.OwnerId.ToString("D");
        environment["OUTPOST_WORKSPACE_OWNER"] = job.OwnerName;
        environment["OUTPOST_WORKSPACE_IS_PREBUILD"] = job.PrebuildStage == PrebuildStage.Create ? "true" : "false";
        if (job.TaskId is { } taskId)
        {
            // Read by the provider's outpost_ai_task (docs/tasks.md); absent for workspaces without a task.
            environment[Sdk.Tasks.TaskApi.TaskIdVariable] = taskId.ToString("D");
            environment[Sdk.Tasks.TaskApi.TaskPromptVariable] = job.TaskPrompt ?? string.Empty;
        }

        foreach (var parameter in job.Parameters)
        {
            environment["OUTPOST_PARAMETER_" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(parameter.Name))] = parameter.Value;
        }

        return environment;
    }

    /// <summary>
    /// The CLI configuration that makes <c>outpost/outpost</c> this binary: a filesystem mirror (the
    /// unpacked layout) holding a wrapper that runs <c>outpost terraform-provider</c>, and no other
    /// installation method, so <c>terraform init</c> never reaches a registry.
    /// </summary>
    private string WriteCliConfiguration()
    {
        var mirror = Path.Join(Root, ".mirror");
        var target = $"{(OperatingSystem.IsMacOS() ? "darwin" : "linux")}_{(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64")}";
        var package = Path.Join(mirror, "registry.terraform.io", "outpost", "outpost", ProviderVersion, target);
        Directory.CreateDirectory(package, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var wrapper = Path.Join(package, $"terraform-provider-outpost_v{ProviderVersion}");
        var script = $"#!/bin/sh\nexec {string.Join(' ', _options.OutpostCommand.Select(Quote))} terraform-provider \"$@\"\n";
        if (!File.Exists(wrapper) || File.ReadAllText(wrapper) != script)
        {
            File.WriteAllText(wrapper, script);
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var config = Path.Join(Root, ".terraformrc");
        var content = $$"""
            provider_installation {
              filesystem_mirror {
                path    = "{{mirror}}"
                include = ["registry.terraform.io/outpost/outpost"]
              }
            }

            """;
        if (!File.Exists(config) || File.ReadAllText(config) != content)
        {
            File.WriteAllText(config, content);
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return config;
    }

    /// <summary>The version the mirror offers the provider as; templates need not pin it.</summary>
    public const string ProviderVersion = "0.1.0";

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the next build to replace.
        }
    }
}

/// <summary>The terraform provisioner's plan: the saved plan file in the workspace's working directory.</summary>
internal sealed record TerraformBuildPlan : BuildPlan
{
    public required string Directory { get; init; }
}
