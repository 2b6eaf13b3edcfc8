using System.Net;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Hosting;
using Outpost.Server.Prebuilds;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>A clocked server whose reconciler runs only when a test asks for a pass.</summary>
public sealed class PrebuildServerFixture : WorkspaceServerFixture
{
    internal override ServerOptions Customize(ServerOptions options)
    {
        var customized = base.Customize(options);
        return customized with { Provisioning = customized.Provisioning with { PrebuildReconcileInterval = TimeSpan.FromDays(40) } };
    }
}

/// <summary>Templates with presets, reconcile passes and a test daemon that completes prebuild jobs.</summary>
internal sealed class PrebuildTestBed(WorkspaceServerFixture fixture)
{
    public static string PoolYaml(int instances, string agent = "main") => $$"""
        name: pool
        parameters:
          - name: size
            default: small
            options: [small, large]
        agents:
          - name: {{agent}}
        presets:
          - name: small
            description: the small one
            parameters:
              size: small
            prebuilds:
              instances: {{instances}}
          - name: large
            parameters:
              size: large
        """;

    public TestDaemon Daemon { get; } = new(fixture.Client, fixture.DaemonKey);

    public PrebuildReconciler Reconciler => fixture.Service<PrebuildReconciler>();

    /// <summary>One pass, waiting out a pass the server started on its own (it holds the leader lock meanwhile).</summary>
    public async Task<ReconcileOutcome> ReconcileAsync()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var outcome = await Reconciler.ReconcileAsync(TestTimeouts.Token()).WithTimeout();
            if (outcome.Leader)
            {
                return outcome;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("The reconciler's lock was never free.");
    }

    /// <summary>
    /// Acquires every queued job and completes it (start builds get agent <c>main</c> with a fresh token, which then
    /// reports <c>ready</c> as a real agent's startup would unless <paramref name="agentsReady"/> is false); returns the
    /// tokens by workspace.
    /// </summary>
    public async Task<Dictionary<Guid, string>> CompleteQueuedAsync(Func<AcquiredJob, bool>? fail = null, bool agentsReady = true)
    {
        var tokens = new Dictionary<Guid, string>();
        while (await Daemon.TryAcquireAsync(1) is { } job)
        {
            if (fail?.Invoke(job) == true)
            {
                (await Daemon.FailAsync(job.JobId, "the template's apply failed")).Dispose();
                continue;
            }

            var build = job.WorkspaceBuild!;
            var token = build.Transition == WorkspaceTransition.Start && build.PrebuildStage != PrebuildStage.Claim ? Guid.NewGuid().ToString("N") : null;
            var agents = build.Transition == WorkspaceTransition.Start ? new[] { new ProvisionedAgent { Name = "main", AuthToken = token } } : [];
            await Daemon.CompleteBuildAsync(job, [1], new ProvisionedResource { Name = "workspace", Type = "local_workspace_directory", Agents = agents });
            if (agentsReady && agents.Length > 0)
            {
                await SetAgentsLifecycleAsync(build.BuildId, "ready");
            }

            if (token is not null)
            {
                tokens[build.WorkspaceId] = token;
            }
        }

        return tokens;
    }

    /// <summary>Sets the lifecycle of the build's agents as their agents would report it.</summary>
    public async Task SetAgentsLifecycleAsync(Guid buildId, string state)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync().WithTimeout();
        await using var update = new Npgsql.NpgsqlCommand("UPDATE workspace_agents SET lifecycle_state = $2 WHERE build_id = $1", connection);
        update.Parameters.Add(new() { Value = buildId });
        update.Parameters.Add(new() { Value = state });
        await update.ExecuteNonQueryAsync().WithTimeout();
    }

    public static async Task<List<TemplatePreset>> PresetsAsync(WorkspaceApi api, string template) =>
        await api.ReadAsync<List<TemplatePreset>>(HttpMethod.Get, $"/api/v2/templates/{template}/presets", expect: HttpStatusCode.OK);
}
