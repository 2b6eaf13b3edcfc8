using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>A provisioner whose every run a test scripts: it says when it started and does what <see cref="Run"/> says.</summary>
internal sealed class FakeProvisioner : IProvisioner
{
    private int _applies;
    private int _discards;
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "local";

    /// <summary>The body of each run; by default it succeeds at once.</summary>
    public Func<IJobLog, CancellationToken, Task> Run { get; set; } = (_, _) => Task.CompletedTask;

    public Task Started => _started.Task;

    /// <summary>The agents each plan reports (their env inputs); none by default.</summary>
    public IReadOnlyList<PlannedAgentEnvironment> PlannedAgents { get; set; } = [];

    /// <summary>How many times apply ran.</summary>
    public int Applies => Volatile.Read(ref _applies);

    /// <summary>The files the last job got.</summary>
    public TemplateFiles? LastFiles { get; private set; }

    /// <summary>When set, what each apply does instead of succeeding at once (a failure part way, say).</summary>
    public Func<CancellationToken, Task<ProvisionerResult<WorkspaceBuildResult>>>? ApplyRun { get; set; }

    /// <summary>How many plans were discarded without an apply.</summary>
    public int Discards => Volatile.Read(ref _discards);

    /// <summary>The modules archive imports report (null: none).</summary>
    public byte[]? ModulesArchive { get; set; }

    public async Task<ProvisionerResult<ImportedTemplate>> ImportAsync(TemplateFiles files, IJobLog log, CancellationToken cancellationToken)
    {
        LastFiles = files;
        _started.TrySetResult();
        await Run(log, cancellationToken);
        return ProvisionerResult<ImportedTemplate>.Ok(new ImportedTemplate(new TemplateImportResult { Parameters = [], Resources = [] }, ModulesArchive));
    }

    public async Task<ProvisionerResult<BuildPlan>> PlanAsync(PlanRequest request, IJobLog log, CancellationToken cancellationToken)
    {
        LastFiles = request.Files;
        _started.TrySetResult();
        await Run(log, cancellationToken);
        return ProvisionerResult<BuildPlan>.Ok(new Plan { Job = request.Job, Agents = PlannedAgents });
    }

    public void Discard(BuildPlan plan) => Interlocked.Increment(ref _discards);

    public Task<ProvisionerResult<WorkspaceBuildResult>> ApplyAsync(BuildPlan plan, IJobLog log, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _applies);
        if (ApplyRun is { } run)
        {
            return run(cancellationToken);
        }

        var agents = plan.Agents.Select(agent => new ProvisionedAgent
        {
            Name = agent.Agent,
            Env = agent.Env,
            ExtraEnvs = [.. agent.ExtraEnvs.Select(env => new ExtraEnvEntry { Name = env.Name, Value = env.Value })],
        }).ToList();
        IReadOnlyList<ProvisionedResource> resources = agents.Count == 0 ? [] : [new ProvisionedResource { Name = "box", Type = "fake", Agents = agents }];
        return Task.FromResult(ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult { Resources = resources, State = [1, 2, 3] }));
    }

    /// <summary>Blocks each run until <paramref name="release"/> completes (or the job is canceled).</summary>
    public void BlockUntil(Task release) => Run = (_, ct) => release.WaitAsync(ct);

    public void ResetStarted() => _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Plan : BuildPlan;
}
