using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Tests.Identity;
using Outpost.Server.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>The build service called as a system actor would call it: no HTTP, typed refusals.</summary>
public sealed class WorkspaceBuildsTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task A_system_actor_creates_a_workspace_for_a_user_and_gets_typed_refusals()
    {
        var login = await IdentityApi.LoginAsync(fixture.Client);
        var api = new WorkspaceApi(fixture.Client, login.AccessToken);
        await api.ReadyTemplateAsync(Daemon, "service");
        var builds = fixture.Service<WorkspaceBuilds>();
        var actor = SystemActors.PrebuildReconciler;

        var (created, createRefusal) = await builds.CreateWorkspaceAsync(
            actor, new CreateWorkspaceRequest { Name = "prebuilt", TemplateName = "service", Reason = BuildReason.Autostart }, login.User.Id, CancellationToken.None).WithTimeout();
        var (_, busy) = await builds.DeleteAsync(actor, created!.Id, BuildReason.Autostop, CancellationToken.None).WithTimeout();
        var (_, forbidden) = await builds.CancelAsync(actor, created.LatestBuild.Id, CancellationToken.None).WithTimeout();
        var (_, taken) = await builds.CreateWorkspaceAsync(
            actor, new CreateWorkspaceRequest { Name = "prebuilt", TemplateName = "service" }, login.User.Id, CancellationToken.None).WithTimeout();
        var (_, missing) = await builds.StartAsync(actor, Guid.NewGuid(), BuildReason.Autostart, CancellationToken.None).WithTimeout();
        var seen = await api.GetWorkspaceAsync(created.Id);

        Assert.Null(createRefusal);
        Assert.Equal(login.User.Id, seen.OwnerId);
        Assert.Equal(BuildReason.Autostart, seen.LatestBuild.Reason);
        Assert.Equal((BuildRefusalKind.WorkspaceBusy, 1), (busy!.Kind, busy.ActiveBuildNumber));
        Assert.Equal(BuildRefusalKind.Forbidden, forbidden!.Kind);
        Assert.Equal(BuildRefusalKind.WorkspaceExists, taken!.Kind);
        Assert.Equal(BuildRefusalKind.WorkspaceNotFound, missing!.Kind);
    }

    [Fact]
    public async Task Parameters_resolve_or_are_refused_naming_every_problem()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var (_, version) = await api.ReadyTemplateAsync(Daemon, "service-params");
        var buildable = await fixture.Service<Outpost.Server.Templates.TemplateStore>().GetBuildableVersionAsync(version.Id, CancellationToken.None).WithTimeout();

        var resolved = WorkspaceBuilds.ResolveParameters(buildable!, null, [new ParameterValue { Name = "greeting", Value = "hi" }]);
        var refused = WorkspaceBuilds.ResolveParameters(buildable!, null, [new ParameterValue { Name = "greting", Value = "hi" }, new ParameterValue { Name = "size", Value = "3" }]);

        Assert.Equal([("greeting", "hi"), ("size", "1")], resolved.Value!.Select(p => (p.Name, p.Value)));
        Assert.Equal(BuildRefusalKind.InvalidParameters, refused.Refusal!.Kind);
        Assert.Contains("greting", refused.Refusal.Detail, StringComparison.Ordinal);
        Assert.Contains("size", refused.Refusal.Detail, StringComparison.Ordinal);
    }
}
