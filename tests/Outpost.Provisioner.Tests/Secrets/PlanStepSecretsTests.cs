using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Terraform;
using Outpost.Provisioner.Tests.Local;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Secrets;

namespace Outpost.Provisioner.Tests.Secrets;

/// <summary>Secrets reach the plan step alone, encoded; apply and non-start builds get none.</summary>
public sealed class PlanStepSecretsTests
{
    private static readonly BuildSecret[] Secrets =
    [
        new() { EnvName = "GITHUB_TOKEN", Value = "gh" },
        new() { EnvName = "BOTH", FilePath = "~/both", Value = "both" },
    ];

    private static WorkspaceBuildJob Job(WorkspaceTransition transition) =>
        Daemon.DaemonHarness.BuildJob().WorkspaceBuild! with { Transition = transition, UserSecrets = Secrets };

    [Fact]
    public async Task The_plan_step_gets_the_encoded_secrets_and_the_plan_apply_gets_carries_none()
    {
        var provisioner = new RecordingProvisioner();
        var result = await BuildSteps.RunAsync(provisioner, new PlanRequest(Job(WorkspaceTransition.Start), new TemplateFiles([])), new RecordingJobLog(), CancellationToken.None);
        Assert.True(result.Succeeded);
        Assert.Equal(new Dictionary<string, string>
        {
            ["OUTPOST_SECRET_ENV_GITHUB_TOKEN"] = "gh",
            ["OUTPOST_SECRET_ENV_BOTH"] = "both",
            ["OUTPOST_SECRET_FILE_" + Convert.ToHexStringLower("~/both"u8)] = "both",
        }, provisioner.PlanVariables);
        Assert.Empty(provisioner.PlanJob!.UserSecrets);
        Assert.Empty(provisioner.AppliedJob!.UserSecrets);
    }

    [Theory]
    [InlineData(WorkspaceTransition.Stop)]
    [InlineData(WorkspaceTransition.Delete)]
    public void Stop_and_delete_plans_get_no_secrets_even_if_a_job_carried_some(WorkspaceTransition transition)
    {
        var request = new PlanRequest(Job(transition), new TemplateFiles([]));
        Assert.Empty(request.SecretVariables);
        Assert.Empty(request.Job.UserSecrets);
        Assert.DoesNotContain("gh", request.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Terraform_plans_environment_drops_host_secret_and_coder_variables_before_adding_the_builds()
    {
        var host = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin",
            ["OUTPOST_WORKSPACE_ID"] = "w",
            ["OUTPOST_SECRET_ENV_GITHUB_TOKEN"] = "from-the-host",
            ["OUTPOST_SECRET_ENV_STALE"] = "stale-host-value",
            ["CODER_AGENT_TOKEN"] = "host-coder",
        };
        var environment = TerraformProvisioner.PlanEnvironment(host, new PlanRequest(Job(WorkspaceTransition.Start), new TemplateFiles([])).SecretVariables);
        Assert.Equal("gh", environment["OUTPOST_SECRET_ENV_GITHUB_TOKEN"]);
        Assert.False(environment.ContainsKey("OUTPOST_SECRET_ENV_STALE"));
        Assert.False(environment.ContainsKey("CODER_AGENT_TOKEN"));
        Assert.Equal(("/usr/bin", "w"), (environment["PATH"], environment["OUTPOST_WORKSPACE_ID"]));
    }

    private sealed class RecordingProvisioner : IProvisioner
    {
        public IReadOnlyDictionary<string, string>? PlanVariables { get; private set; }

        public WorkspaceBuildJob? PlanJob { get; private set; }

        public WorkspaceBuildJob? AppliedJob { get; private set; }

        public string Name => "local";

        public Task<ProvisionerResult<ImportedTemplate>> ImportAsync(TemplateFiles files, IJobLog log, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<ProvisionerResult<BuildPlan>> PlanAsync(PlanRequest request, IJobLog log, CancellationToken cancellationToken)
        {
            (PlanVariables, PlanJob) = (request.SecretVariables, request.Job);
            return Task.FromResult(ProvisionerResult<BuildPlan>.Ok(new Plan { Job = request.Job, Agents = [] }));
        }

        public Task<ProvisionerResult<WorkspaceBuildResult>> ApplyAsync(BuildPlan plan, IJobLog log, CancellationToken cancellationToken)
        {
            AppliedJob = plan.Job;
            return Task.FromResult(ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult { Resources = [], State = [] }));
        }

        private sealed record Plan : BuildPlan;
    }
}
