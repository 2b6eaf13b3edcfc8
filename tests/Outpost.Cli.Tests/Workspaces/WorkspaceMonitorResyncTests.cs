using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class WorkspaceMonitorResyncTests
{
    private static readonly Guid WorkspaceId = Guid.NewGuid();

    private static Workspace At(WorkspaceStatus status, ProvisionerJobStatus job) => new()
    {
        Id = WorkspaceId, Name = "dev", OwnerId = Guid.NewGuid(), OwnerName = "owner", TemplateId = Guid.NewGuid(), TemplateName = "t",
        Status = status, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        LatestBuild = new WorkspaceBuild
        {
            Id = Guid.Empty, WorkspaceId = WorkspaceId, BuildNumber = 1, Transition = WorkspaceTransition.Start, Reason = BuildReason.Cli,
            TemplateVersionId = Guid.Empty, Status = status, CreatedAt = DateTimeOffset.UnixEpoch,
            Job = new ProvisionerJob { Id = Guid.Empty, Type = ProvisionerJobType.WorkspaceBuild, Status = job, CreatedAt = DateTimeOffset.UnixEpoch },
        },
    };

    [Fact]
    public async Task A_resync_event_rereads_the_workspace_and_records_what_changed()
    {
        var server = new ScriptedServer(
            $"data: {JsonSerializer.Serialize(At(WorkspaceStatus.Pending, ProvisionerJobStatus.Pending), OutpostJsonContext.Default.Workspace)}\n\nevent: resync\ndata: {{}}\n\n",
            At(WorkspaceStatus.Running, ProvisionerJobStatus.Succeeded));
        using var http = new HttpClient(server) { BaseAddress = new Uri("http://outpost.test/") };
        var (telemetry, sink) = MemorySink.Create(TimeProvider.System);
        var monitor = new WorkspaceMonitor(new OutpostApiClient(http), At(WorkspaceStatus.Pending, ProvisionerJobStatus.Pending), telemetry, TimeProvider.System, TextWriter.Null, NullLogger.Instance);

        var seen = new List<WorkspaceStatus>();
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await foreach (var snapshot in monitor.WatchAsync(timeout.Token))
        {
            seen.Add(snapshot.Status);
            if (seen.Count == 2)
            {
                break;
            }
        }

        Assert.Equal([WorkspaceStatus.Pending, WorkspaceStatus.Running], seen);
        Assert.Equal(1, server.Reads);
        Assert.Equal(["none>pending", "pending>running"], sink.Events.Select(e => $"{e.Properties["from"]}>{e.Properties["to"]}"));
    }

    /// <summary>Answers the watch with a fixed SSE body and the workspace read with a fixed workspace.</summary>
    private sealed class ScriptedServer(string watchBody, Workspace current) : HttpMessageHandler
    {
        public int Reads { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/watch", StringComparison.Ordinal))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(watchBody, Encoding.UTF8, "text/event-stream") });
            }

            Reads++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(JsonSerializer.Serialize(current, OutpostJsonContext.Default.Workspace), Encoding.UTF8, "application/json"),
            });
        }
    }
}
