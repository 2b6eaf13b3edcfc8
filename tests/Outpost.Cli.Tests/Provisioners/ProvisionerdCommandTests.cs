using System.Net;
using System.Text;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Provisioners;

public sealed class ProvisionerdCommandTests : IDisposable
{
    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Start_without_a_url_or_a_key_lists_both_problems_and_exits_with_the_usage_code()
    {
        var run = await _cli.RunAsync("provisionerd", "start");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--url is required", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--key is required", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_with_an_unknown_provisioner_says_which_ones_exist()
    {
        // terraform is a real provisioner now (issue 17); docker is not.
        var run = await _cli.RunAsync("provisionerd", "start", "--url", "http://127.0.0.1:1", "--key", "k", "--provisioner", "local,docker");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("unknown provisioner(s): docker; this build runs \"local\", \"terraform\"", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_against_an_unreachable_server_fails_at_once_with_a_clear_error_and_no_stack_trace()
    {
        var run = await _cli.RunAsync("provisionerd", "start", "--url", "http://127.0.0.1:1", "--key", "k", "--workspaces-dir", Path.Join(Path.GetTempPath(), "unused"));

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("could not reach the Outpost server at http://127.0.0.1:1/", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_with_a_refused_key_exits_with_the_servers_explanation()
    {
        _cli.WrapTransport = _ => new RefusingServer();
        _cli.Environment["OUTPOST_URL"] = "http://outpost.test";
        _cli.Environment["OUTPOST_PROVISIONER_KEY"] = "wrong";

        var run = await _cli.RunAsync("provisionerd", "start", "--workspaces-dir", Path.Join(Path.GetTempPath(), "unused"));

        Assert.Equal(ExitCodes.ProvisionerKeyRefused, run.ExitCode);
        Assert.Contains("refused this provisioner daemon (401): the provisioner key is not valid", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A server at the transport boundary: it knows its build info and refuses every provisioner key.</summary>
    private sealed class RefusingServer : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path == "/api/v2/buildinfo")
            {
                return Task.FromResult(Json(HttpStatusCode.OK, "application/json", """{"version":"0.1.0","commit":"abc","deployment_id":"d"}"""));
            }

            Assert.Equal(ProvisionerDaemonApi.Prefix + "/acquire", path);
            Assert.Equal("wrong", request.Headers.GetValues(ProvisionerDaemonApi.KeyHeader).Single());
            return Task.FromResult(Json(HttpStatusCode.Unauthorized, "application/problem+json", """{"status":401,"detail":"the provisioner key is not valid"}"""));
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string mediaType, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
    }
}

public sealed class ProvisionerdAgainstTheServerTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Start_with_a_key_the_real_server_does_not_know_exits_with_its_explanation()
    {
        var run = await _cli.RunAsync("provisionerd", "start", "--url", server.BaseAddress.ToString(), "--key", "not-a-key", "--workspaces-dir", Path.Join(Path.GetTempPath(), "unused"));

        Assert.Equal(ExitCodes.ProvisionerKeyRefused, run.ExitCode);
        Assert.Contains("refused this provisioner daemon (401): a valid provisioner key is required", run.Stderr, StringComparison.Ordinal);
    }
}
