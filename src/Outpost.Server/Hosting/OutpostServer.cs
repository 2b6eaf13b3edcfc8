using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Trace;
using OpenTelemetry.Metrics;
using Outpost.Sdk;
using Outpost.Server.Agents;
using Outpost.Server.Agents.Identity;
using Outpost.Server.Sessions;
using Outpost.Server.Dashboard;
using Outpost.Server.Database;
using Outpost.Server.Deployment;
using Outpost.Server.Diagnostics;
using Outpost.Server.Files;
using Outpost.Server.Health;
using Outpost.Server.Http;
using Outpost.Server.Identity;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Server.Provisionerd;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Prebuilds;
using Outpost.Server.Pubsub;
using Outpost.Server.Secrets;
using Outpost.Server.Throttling;
using Outpost.Server.Validation;
using Outpost.Server.Tasks;
using Outpost.Server.Templates;
using Outpost.Server.Timeline;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Hosting;

/// <summary>The outcome of starting a server: a running instance, or the reason it could not start.</summary>
internal sealed record ServerStart(RunningServer? Server, string? Error);

/// <summary>The outcome of a whole server run; a null error means a clean shutdown.</summary>
internal sealed record ServerOutcome(string? Error);

/// <summary>Composes the control plane: database, migrations, HTTP host and diagnostics.</summary>
internal static partial class OutpostServer
{
    /// <summary>Runs the server until the token is canceled or the process gets SIGINT/SIGTERM.</summary>
    public static async Task<ServerOutcome> RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        var start = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        if (start.Server is null)
        {
            return new ServerOutcome(start.Error);
        }

        await using (start.Server.ConfigureAwait(false))
        {
            await start.Server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ServerOutcome(null);
    }

    public static async Task<ServerStart> StartAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bootstrapLoggers = LoggerFactory.Create(logging => ServerLogging.Configure(logging, options.LogFormat));
        var logger = bootstrapLoggers.CreateLogger("Outpost.Server");
        var resources = new List<IAsyncDisposable> { new DisposableFactory(bootstrapLoggers) };
        try
        {
            var dataDirectoryError = PrepareDataDirectory(options.DataDirectory);
            if (dataDirectoryError is not null)
            {
                return await FailAsync(resources, dataDirectoryError).ConfigureAwait(false);
            }

            var (secretsKeys, secretsKeyError) = SecretsKeyRing.Load(options.DataDirectory, options.SecretsKey, options.SecretsPreviousKeys);
            if (secretsKeys is null)
            {
                return await FailAsync(resources, secretsKeyError!).ConfigureAwait(false);
            }

            var connectionString = options.PostgresConnectionString;
            if (connectionString is null)
            {
                var embedded = await EmbeddedPostgres.StartAsync(options.DataDirectory, logger, cancellationToken).ConfigureAwait(false);
                if (embedded.Instance is null)
                {
                    return await FailAsync(resources, embedded.Error!).ConfigureAwait(false);
                }

                resources.Add(embedded.Instance);
                connectionString = embedded.Instance.ConnectionString;
            }

            var dataSourceBuilder = ConnectionSettings.Apply(new NpgsqlDataSourceBuilder(connectionString) { Name = "outpost" }, connectionString);
            var dataSource = dataSourceBuilder.UseLoggerFactory(bootstrapLoggers).Build();
            resources.Add(dataSource);

            var reachable = await DatabaseConnector.WaitUntilReachableAsync(
                dataSource, options.DatabaseConnectTimeout, TimeProvider.System, logger, cancellationToken).ConfigureAwait(false);
            if (reachable is not null)
            {
                return await FailAsync(resources, reachable).ConfigureAwait(false);
            }

            var migrated = await MigrationRunner.ApplyAsync(dataSource, logger, cancellationToken).ConfigureAwait(false);
            if (migrated.Error is not null)
            {
                return await FailAsync(resources, migrated.Error).ConfigureAwait(false);
            }

            var encrypted = await AgentEnvironments.EncryptPlaintextAsync(dataSource, new SecretProtector(secretsKeys), cancellationToken).ConfigureAwait(false);
            if (encrypted > 0)
            {
                SecretsLog.EnvironmentsEncrypted(logger, encrypted);
            }

            var deployment = await DeploymentInfo.LoadAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var app = BuildApplication(options, dataSource, deployment, secretsKeys, resources);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                return await FailAsync(resources, DescribeBindFailure(options.HttpEndpoint, e)).ConfigureAwait(false);
            }

            var metricsEndpoint = app.Services.GetRequiredService<MetricsListener>().BoundEndpoint;
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .First(a => metricsEndpoint is null || !a.EndsWith(":" + metricsEndpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            var baseAddress = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
            var accessUrl = options.AccessUrl ?? baseAddress;
            Log.Listening(logger, baseAddress.ToString(), accessUrl.ToString(), BuildVersion.Version);
            if (ServerLogging.Resolve(options.LogFormat) == ServerLogFormat.Human)
            {
                await Console.Error.WriteLineAsync(Banner(accessUrl)).ConfigureAwait(false);
            }

            var sandbox = ChooseSandbox(options, logger);

            // The built-in daemons talk to this server over loopback HTTP, like remote ones, with a
            // key that exists only in this process. They stop before the web host (RunningServer).
            var daemons = ProvisionerDaemonHost.Start(
                options.ProvisionerDaemons,
                baseAddress,
                app.Services.GetRequiredService<InternalProvisionerKey>().Value,
                Path.Combine(options.DataDirectory, "workspaces"),
                app.Services.GetRequiredService<ILoggerFactory>(),
                options.Time,
                daemon => options.ConfigureDaemon?.Invoke(daemon with { Sandbox = sandbox }) ?? daemon with { Sandbox = sandbox });
            if (daemons.Count > 0)
            {
                Log.DaemonsStarted(logger, daemons.Count);
            }

            return new ServerStart(new RunningServer(app, baseAddress, accessUrl, resources, daemons)
            {
                MetricsAddress = metricsEndpoint is null ? null : new Uri($"http://{(metricsEndpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : metricsEndpoint.Address)}:{metricsEndpoint.Port}"),
            }, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(resources, "start-up was interrupted").ConfigureAwait(false);
        }
    }

    private static WebApplication BuildApplication(ServerOptions options, NpgsqlDataSource dataSource, DeploymentInfo deployment, SecretsKeyRing secretsKeys, List<IAsyncDisposable> resources)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Never the Development environment: clients must not see stack traces.
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        ServerLogging.Configure(builder.Logging, options.LogFormat);
        var metricsListener = new MetricsListener();
        builder.Services.AddSingleton(metricsListener);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.HttpEndpoint);
            if (options.PrometheusEndpoint is { } metrics)
            {
                kestrel.Listen(metrics, listen => MetricsEndpoint.MarkListener(listen, metricsListener));
            }
        });

        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton(deployment);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddPubsub();
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = Problems.AddCode);
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddOutpostIdentity(options.Identity);
        builder.Services.AddFiles();
        builder.Services.AddTemplates();
        builder.Services.AddWorkspaces();
        builder.Services.AddProvisionerJobs();
        builder.Services.AddProvisionerd();
        builder.Services.AddUserSecrets(secretsKeys);
        builder.Services.AddAgentApi(options.AgentApi);
        builder.Services.AddInstanceIdentity(options.InstanceIdentity, options.AccessUrl);
        builder.Services.AddSessionRelay(options.SessionRelay);
        builder.Services.AddTimeline();
        builder.Services.AddPrebuilds();
        builder.Services.AddTasks();
        builder.Services.AddDashboard();
        OpenApiConventions.Add(builder.Services);
        builder.Services.ConfigureHttpJsonOptions(json => OutpostJson.Apply(json.SerializerOptions));
        builder.Services.AddRequestValidation();
        builder.Services.AddSingleton<TokenGuessThrottle>();

        var scraper = new PrometheusScraper(options.PrometheusUserLabels);
        builder.Services.AddSingleton(scraper);
        resources.Add(new DisposableFactory(scraper));
        ServerDiagnostics.EnsureInstruments();
        var otlp = OtlpConfigured();
        var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder()
            .AddMeter(ServerDiagnostics.Name)
            .AddMeter([.. ServerDiagnostics.FrameworkMeters])
            .AddReader(scraper.Reader);
        if (otlp)
        {
            // Its own provider, so the creation and claim histograms can be exponential for OTLP
            // (the native-histogram counterpart) while /metrics keeps their classic buckets.
            resources.Add(new DisposableFactory(PrebuildMetrics.OtlpMeterProvider(null)));
            resources.Add(new DisposableFactory(OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                .AddSource(ServerDiagnostics.Name, ProvisionerDiagnostics.Name, "Microsoft.AspNetCore", "Npgsql")
                .AddOtlpExporter()
                .Build()));
        }

        resources.Add(new DisposableFactory(meters.Build()));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseMetricsListener();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseRequestValidation();
        TokenGuessThrottle.UseTokenGuessThrottle(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi().AllowAnonymous();
        app.MapHealthEndpoints();
        app.MapDeploymentEndpoints();
        app.MapMetricsEndpoint();
        app.MapIdentityEndpoints();
        app.MapFileEndpoints();
        app.MapTemplates();
        app.MapWorkspaces();
        app.MapProvisionerd();
        app.MapUserSecretEndpoints();
        app.MapAgentApi();
        app.MapInstanceIdentity();
        app.MapSessionRelay();
        app.MapDirectTickets();
        app.MapDirectSessionReports();
        app.MapTimeline();
        app.MapPrebuilds();
        app.MapTasks();
        app.MapDashboard();
        options.ConfigureApplication?.Invoke(app);
        return app;
    }

    /// <summary>The local provisioner's sandbox; said at start when there is none, and why.</summary>
    private static LocalSandbox? ChooseSandbox(ServerOptions options, ILogger logger)
    {
        if (options.LocalProvisionerUnsandboxed)
        {
            SandboxLog.Unsandboxed(logger);
            return null;
        }

        var sandbox = LocalSandbox.Create(options.DataDirectory);
        if (sandbox.RefusalReason is { } reason)
        {
            SandboxLog.BubblewrapMissing(logger, reason);
            return sandbox;
        }

        if (sandbox.Uid is not null)
        {
            // The workspace user must be able to walk (not list) down to its own workspace directory.
            var workspaces = Path.Combine(options.DataDirectory, "workspaces");
            Directory.CreateDirectory(workspaces);
            const UnixFileMode Walkable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(options.DataDirectory, Walkable);
            File.SetUnixFileMode(workspaces, Walkable);
        }

        SandboxLog.Sandboxed(logger, sandbox.Bubblewrap!, sandbox.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the server's own");
        return sandbox;
    }

    internal static string Banner(Uri accessUrl) =>
        $"""

        Outpost {BuildVersion.Version} is running at {accessUrl}
          Sign in:  outpost login {accessUrl}
          Stop:     Ctrl-C

        """;

    private static bool OtlpConfigured() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    private static string? PrepareDataDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the data directory {path} cannot be used: {e.Message}. Pass --data-dir (or OUTPOST_DATA_DIR) with a directory this user can read and write.";
        }
    }

    private static string DescribeBindFailure(IPEndPoint endpoint, IOException e) =>
        e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
            ? $"cannot listen on {endpoint}: the address is already in use. Stop the other process or pass --http-address (or OUTPOST_HTTP_ADDRESS) with a free port."
            : $"cannot listen on {endpoint}: {e.Message}";

    private static async Task<ServerStart> FailAsync(List<IAsyncDisposable> resources, string error)
    {
        await DisposeAllAsync(resources).ConfigureAwait(false);
        return new ServerStart(null, error);
    }

    internal static async Task DisposeAllAsync(List<IAsyncDisposable> resources)
    {
        for (var i = resources.Count - 1; i >= 0; i--)
        {
            await resources[i].DisposeAsync().ConfigureAwait(false);
        }

        resources.Clear();
    }

    private sealed class DisposableFactory(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
