using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Outpost.Server.Hosting;

namespace Outpost.Testing;

/// <summary>The real server on a fake clock, trusting only the test clouds' authorities for instance identity.</summary>
public sealed class InstanceIdentityServerFixture : ClockedServerFixture
{
    public TestClouds Clouds { get; } = new();

    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with { InstanceIdentity = Clouds.Options };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Clouds.Dispose();
    }
}

/// <summary>
/// An EC2 metadata service on loopback for one instance: IMDSv2 sessions, the identity document and its
/// signature by the test AWS key. Counts the documents it served.
/// </summary>
public sealed class FakeAwsMetadata : IAsyncDisposable
{
    private const string Session = "test-imds-session";
    private readonly WebApplication _app;
    private int _served;

    private FakeAwsMetadata(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public int DocumentsServed => Volatile.Read(ref _served);

    public static async Task<FakeAwsMetadata> StartAsync(TestClouds clouds, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(clouds);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var document = TestClouds.AwsDocument(instanceId);
        FakeAwsMetadata? self = null;
        app.MapPut("/latest/api/token", (HttpContext http) =>
            http.Request.Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds") ? Results.Text(Session) : Results.BadRequest());
        app.MapGet("/latest/dynamic/instance-identity/document", (HttpContext http) =>
        {
            if (http.Request.Headers["X-aws-ec2-metadata-token"] != Session)
            {
                return Results.Unauthorized();
            }

            Interlocked.Increment(ref self!._served);
            return Results.Text(document, "text/plain");
        });
        app.MapGet("/latest/dynamic/instance-identity/signature", (HttpContext http) =>
            http.Request.Headers["X-aws-ec2-metadata-token"] == Session ? Results.Text(clouds.AwsSignature(document)) : Results.Unauthorized());
        await app.StartAsync();
        self = new FakeAwsMetadata(app, new Uri(app.Urls.First()));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
