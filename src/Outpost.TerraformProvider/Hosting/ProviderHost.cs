using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.TerraformProvider.Protocol.Health;
using Outpost.TerraformProvider.Protocol.Plugin;
using Outpost.TerraformProvider.Resources;

namespace Outpost.TerraformProvider.Hosting;

/// <summary>
/// <c>outpost terraform-provider</c>: serves the provider the way Terraform starts plugins (the
/// go-plugin handshake). Terraform runs the binary with <c>TF_PLUGIN_MAGIC_COOKIE</c> set; the
/// plugin listens on a local port and prints one line, <c>1|6|tcp|127.0.0.1:PORT|grpc</c>, plus
/// its certificate when Terraform asked for mutual TLS (<c>PLUGIN_CLIENT_CERT</c>), then serves
/// gRPC until Terraform shuts it down. The provider assembly's public surface: <see cref="RunAsync"/>
/// and the handshake's names, which the terraform provisioner sets when it runs Terraform.
/// </summary>
public static class ProviderHost
{
    /// <summary>The variable Terraform sets to <see cref="MagicCookieValue"/> when it starts a plugin.</summary>
    public const string MagicCookieKey = "TF_PLUGIN_MAGIC_COOKIE";

    /// <summary>Terraform's handshake cookie for provider plugins; it never changes.</summary>
    public const string MagicCookieValue = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

    /// <summary>Terraform's certificate, when it asks for mutual TLS.</summary>
    public const string ClientCertVariable = "PLUGIN_CLIENT_CERT";

    /// <summary>The plugin protocol versions Terraform speaks.</summary>
    public const string ProtocolVersionsVariable = "PLUGIN_PROTOCOL_VERSIONS";

    /// <summary>go-plugin's core protocol version, the handshake line's first field.</summary>
    public const int CoreProtocolVersion = 1;

    /// <summary>The Terraform plugin protocol served (6).</summary>
    public const int ProtocolVersion = 6;

    /// <summary>Runs the plugin; returns the process exit code.</summary>
    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, Func<string, string?> environment, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(MagicCookieKey) != MagicCookieValue)
        {
            await stderr.WriteLineAsync(
                "outpost terraform-provider is the Outpost Terraform provider: Terraform starts it, it is not run by hand. " +
                "Templates declare it as source \"outpost/outpost\"; the terraform provisioner installs it for each build.").ConfigureAwait(false);
            return 1;
        }

        if (environment(ProtocolVersionsVariable) is { Length: > 0 } versions &&
            !versions.Split(',').Contains(ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal))
        {
            await stderr.WriteLineAsync($"this Terraform speaks plugin protocol(s) {versions}; the Outpost provider needs protocol {ProtocolVersion} (Terraform 1.0 or newer)").ConfigureAwait(false);
            return 1;
        }

        using var clientCertificate = environment(ClientCertVariable) is { Length: > 0 } pem ? X509Certificate2.CreateFromPem(pem) : null;
        using var serverCertificate = clientCertificate is null ? null : CreateServerCertificate();
        var shutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(new ProviderCatalog());
        builder.Services.AddSingleton(new ProviderEnvironment(environment));
        builder.Services.AddSingleton(shutdown);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (serverCertificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    // Only the certificate Terraform generated for this run may connect.
                    ClientCertificateValidation = (presented, _, _) => presented.RawData.AsSpan().SequenceEqual(clientCertificate!.RawData),
                });
            }
        }));
        await using var app = builder.Build();
        app.MapGrpcService<ProviderService>();
        app.MapGrpcService<HealthService>();
        app.MapGrpcService<ControllerService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var line = $"{CoreProtocolVersion}|{ProtocolVersion}|tcp|127.0.0.1:{address.Port}|grpc";
        if (serverCertificate is not null)
        {
            line += "|" + Convert.ToBase64String(serverCertificate.RawData).TrimEnd('=');
        }

        ProviderLog.Serving(loggers.CreateLogger(ProviderLog.Category), $"127.0.0.1:{address.Port}", serverCertificate is not null);
        await stdout.WriteLineAsync(line).ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var orphaned = new CancellationTokenSource();
        var watchdog = WatchParentAsync(shutdown, loggers, orphaned.Token);
        try
        {
            await shutdown.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Killed from outside: stop serving.
        }

        await orphaned.CancelAsync().ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Terraform stops its plugins with the controller's <c>Shutdown</c>; a Terraform that dies (killed
    /// mid-apply) never does, and the provider would serve forever. On Linux the provider checks once a
    /// second whether it was reparented, which means Terraform is gone, and then stops.
    /// </summary>
    private static async Task WatchParentAsync(TaskCompletionSource shutdown, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (ParentProcessId() is not { } parent)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (ParentProcessId() != parent)
                {
                    ProviderLog.ParentGone(loggers.CreateLogger(ProviderLog.Category), parent);
                    shutdown.TrySetResult();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shut down normally.
        }
    }

    /// <summary>The parent's process id from <c>/proc/self/stat</c> (the field after the state); null where there is no /proc.</summary>
    private static int? ParentProcessId()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // The command name in parentheses may hold spaces; the fields after it are "state ppid …".
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return int.TryParse(fields[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ppid) ? ppid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>A self-signed certificate for localhost that Terraform pins for this run (it is also its own CA, as go-plugin expects).</summary>
    private static X509Certificate2 CreateServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Outpost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddSeconds(-30), now.AddDays(1));
        // Exported and loaded again so TLS can use the private key on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    /// <summary>go-plugin pings plugins through the gRPC health service, asking for "plugin".</summary>
    private sealed class HealthService : Health.HealthBase
    {
        public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
            Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving });
    }

    /// <summary>go-plugin asks the plugin to exit through this controller before it kills it.</summary>
    private sealed class ControllerService(TaskCompletionSource shutdown, ILoggerFactory loggers) : GRPCController.GRPCControllerBase
    {
        public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
        {
            ProviderLog.ShutdownRequested(loggers.CreateLogger(ProviderLog.Category));
            // Answer first, then stop: the reply must reach Terraform.
            _ = Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None).ContinueWith(_ => shutdown.TrySetResult(), TaskScheduler.Default);
            return Task.FromResult(new Empty());
        }
    }
}
