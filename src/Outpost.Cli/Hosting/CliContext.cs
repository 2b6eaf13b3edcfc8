using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Cli.Sessions;
using Outpost.Sdk.Client;
using Outpost.Telemetry;

namespace Outpost.Cli.Hosting;

/// <summary>
/// What one <c>outpost</c> invocation runs with: its streams, environment, clock, telemetry and
/// (when interactive) the terminal. Tests build one with their own directories and fakes.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public required TimeProvider Time { get; init; }

    public required ITelemetryReporter Telemetry { get; init; }

    /// <summary>Null when nobody can answer questions (stdin is not a terminal, or CI).</summary>
    public IPrompter? Prompter { get; init; }

    /// <summary>Piped stdin (values such as secrets are read from it); null when stdin is a terminal.</summary>
    public TextReader? In { get; init; }

    public required ILoggerFactory Loggers { get; init; }

    /// <summary>True when stderr is a terminal: live progress is redrawn in place there.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Colour only on a terminal, and never with <c>NO_COLOR</c> set (no-color.org).</summary>
    public bool Colour => ErrorIsTerminal && string.IsNullOrEmpty(Environment("NO_COLOR"));

    /// <summary>Canceled on an interrupt besides the one the command line delivers (tests press Ctrl-C through it).</summary>
    public CancellationToken Interrupt { get; init; }

    /// <summary>The handler under every API client; tests may wrap it.</summary>
    public Func<HttpMessageHandler> CreateTransport { get; init; } = static () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    public SessionFile SessionFile => SessionFile.Default(Environment);

    /// <summary>The id of this run's <c>cli_invocation</c> entry; child entries name it as their parent.</summary>
    public string? InvocationId { get; set; }

    /// <summary>The failure a command ended with, when it ended with one; its <c>cli_invocation</c> entry describes it.</summary>
    public Exception? Failure { get; set; }

    public static CliContext FromProcess()
    {
        Func<string, string?> environment = System.Environment.GetEnvironmentVariable;
        var interactive = !Console.IsInputRedirected && !Console.IsErrorRedirected && string.IsNullOrEmpty(environment("CI"));
        var loggers = LoggerFactory.Create(logging =>
        {
            logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter(level => level >= LogLevel.Warning);
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        return new CliContext
        {
            Out = Console.Out,
            Error = Console.Error,
            Environment = environment,
            Time = TimeProvider.System,
            Telemetry = LocalTelemetry.Create(new LocalTelemetryOptions { Logger = loggers.CreateLogger("Outpost.Telemetry") }),
            Prompter = interactive ? TerminalPrompter.Console() : null,
            In = Console.IsInputRedirected ? Console.In : null,
            Loggers = loggers,
            ErrorIsTerminal = !Console.IsErrorRedirected && string.IsNullOrEmpty(environment("CI")),
        };
    }

    /// <summary>An API client without credentials (login, first user, refresh); events from now on name its deployment.</summary>
    public OutpostApiClient Anonymous(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        Telemetry.SetDeploymentUrl(url.ToString());
        return new(new HttpClient(CreateTransport()) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) });
    }

    /// <summary>The stored session's client with 401 recovery, or why there is none.</summary>
    public (AuthenticatedClient? Client, string? Problem) Connect()
    {
        var (session, problem) = SessionFile.Load();
        if (session is null)
        {
            return (null, problem ?? "not logged in: run outpost login <url>");
        }

        var url = new Uri(session.Url);
        var manager = new SessionManager(session, SessionFile, Anonymous(url), Telemetry, Time, Prompter, Loggers.CreateLogger("Outpost.Cli.Sessions"));
        var handler = new UnauthorizedRecoveryHandler(manager, Telemetry, Loggers.CreateLogger("Outpost.Cli.Sessions"), CreateTransport());
        var api = new OutpostApiClient(new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) });
        return (new AuthenticatedClient(api, manager), null);
    }

    public async ValueTask DisposeAsync()
    {
        if (Telemetry is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }

        Loggers.Dispose();
    }
}

/// <summary>An API client bound to a stored session.</summary>
internal sealed class AuthenticatedClient(OutpostApiClient api, SessionManager session) : IAsyncDisposable
{
    public OutpostApiClient Api { get; } = api;

    public SessionManager Session { get; } = session;

    /// <summary>
    /// For a long-running command that holds no server-sent-event stream (ssh, port-forward): refresh
    /// the access token in the background before it expires, as watches and follows already do.
    /// Idempotent; the refresh stops when this client is disposed.
    /// </summary>
    public void KeepSessionFresh() => Session.StartBackgroundRefresh();

    public ValueTask DisposeAsync() => Session.DisposeAsync();
}
