using System.Net;
using System.Text;
using System.Text.Json;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Tests.Client;

public sealed class ProvisionerDaemonClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acquire_posts_the_request_with_the_key_and_reads_the_job()
    {
        var job = new AcquiredJob
        {
            JobId = Guid.NewGuid(),
            Type = ProvisionerJobType.TemplateVersionImport,
            Provisioner = "local",
            CreatedAt = DateTimeOffset.UnixEpoch,
            TemplateFileHash = "ab12",
        };
        var wire = JsonSerializer.Serialize(job, OutpostJson.Options);
        Assert.Contains("\"type\":\"template_version_import\"", wire, StringComparison.Ordinal);
        var server = new ScriptedServer(_ => Json(HttpStatusCode.OK, wire));
        using var client = ProvisionerDaemonClient.Create(new Uri("http://outpost.test/base/"), "secret-key", server);

        var acquired = await client.AcquireAsync(new AcquireJobRequest { DaemonName = "d1", Provisioners = ["local"], WaitSeconds = 5 }, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(job.JobId, acquired!.JobId);
        Assert.Equal("ab12", acquired.TemplateFileHash);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/base/api/v2/provisionerd/acquire", request.Path);
        Assert.Equal("secret-key", request.Key);
        Assert.Contains("\"daemon_name\":\"d1\"", request.Body, StringComparison.Ordinal);
        Assert.Contains("\"wait_seconds\":5", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acquire_answered_with_no_content_means_no_job()
    {
        var server = new ScriptedServer(_ => new HttpResponseMessage(HttpStatusCode.NoContent));
        using var client = ProvisionerDaemonClient.Create(new Uri("http://outpost.test/"), "k", server);

        Assert.Null(await client.AcquireAsync(new AcquireJobRequest { DaemonName = "d", Provisioners = ["local"] }, CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task Update_complete_and_fail_go_to_the_jobs_routes()
    {
        var server = new ScriptedServer(request => request.Path.EndsWith("/update", StringComparison.Ordinal)
            ? Json(HttpStatusCode.OK, """{"canceled":true}""")
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        using var client = ProvisionerDaemonClient.Create(new Uri("http://outpost.test/"), "k", server);
        var id = Guid.NewGuid();

        var update = await client.UpdateJobAsync(id, new UpdateJobRequest
        {
            Logs = [new ProvisionerLogLine { CreatedAt = DateTimeOffset.UnixEpoch, Output = "hi", Source = ProvisionerLogSource.ProvisionerDaemon }],
        }, CancellationToken.None).WaitAsync(Timeout);
        await client.CompleteJobAsync(id, new CompleteJobRequest(), CancellationToken.None).WaitAsync(Timeout);
        await client.FailJobAsync(id, new FailJobRequest { Error = "canceled by user", ErrorCode = "canceled" }, CancellationToken.None).WaitAsync(Timeout);

        Assert.True(update.Canceled);
        Assert.Equal(new[] { "update", "complete", "fail" }.Select(action => $"/api/v2/provisionerd/jobs/{id:D}/{action}"), server.Requests.Select(request => request.Path));
        Assert.Contains("\"error_code\":\"canceled\"", server.Requests[2].Body, StringComparison.Ordinal);
        Assert.Contains("\"source\":\"provisioner_daemon\"", server.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_problem_answer_becomes_an_api_exception_with_the_servers_explanation()
    {
        var server = new ScriptedServer(_ => new HttpResponseMessage(HttpStatusCode.Conflict)
        {
            Content = new StringContent("""{"status":409,"detail":"you don't own this job"}""", Encoding.UTF8, "application/problem+json"),
        });
        using var client = ProvisionerDaemonClient.Create(new Uri("http://outpost.test/"), "k", server);

        var error = await Assert.ThrowsAsync<OutpostApiException>(() => client.UpdateJobAsync(Guid.NewGuid(), new UpdateJobRequest(), CancellationToken.None)).WaitAsync(Timeout);

        Assert.Equal(409, error.StatusCode);
        Assert.Equal("you don't own this job", error.Message);
    }

    [Fact]
    public async Task The_callers_own_cancellation_stays_a_cancellation_and_is_not_reported_as_a_timeout()
    {
        var server = new ScriptedServer(_ => null);
        using var client = ProvisionerDaemonClient.Create(new Uri("http://outpost.test/"), "k", server);
        server.Hold = true;

        using var cancel = new CancellationTokenSource();
        var acquire = client.AcquireAsync(new AcquireJobRequest { DaemonName = "d", Provisioners = ["local"], WaitSeconds = 1 }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquire).WaitAsync(Timeout);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed record SeenRequest(string Path, string? Key, string Body);

    /// <summary>The server at the transport boundary: answers each request with what the test scripted.</summary>
    private sealed class ScriptedServer(Func<SeenRequest, HttpResponseMessage?> answer) : HttpMessageHandler
    {
        public List<SeenRequest> Requests { get; } = [];

        public bool Hold { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var seen = new SeenRequest(
                request.RequestUri!.AbsolutePath,
                request.Headers.TryGetValues(ProvisionerDaemonApi.KeyHeader, out var keys) ? keys.Single() : null,
                request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            Requests.Add(seen);
            if (Hold)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }

            return answer(seen)!;
        }
    }
}
