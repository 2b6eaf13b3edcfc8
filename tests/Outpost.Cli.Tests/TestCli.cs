using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Cli.Hosting;
using Outpost.Cli.Sessions;
using Outpost.Telemetry;
using Outpost.Telemetry.Local;
using Outpost.Testing;

namespace Outpost.Cli.Tests;

/// <summary>The result of one in-process <c>outpost</c> run.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs <c>outpost</c> verbs in-process the way a fresh process would: each run gets a new context
/// (and telemetry service, flushed to the real local JSONL files at the end) over one config
/// directory and one telemetry directory that the test reads back.
/// </summary>
internal sealed class TestCli : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-cli-test-").FullName;

    public TestCli()
    {
        Environment = new Dictionary<string, string?>
        {
            ["HOME"] = Path.Combine(_root, "home"),
            ["OUTPOST_CONFIG_DIR"] = Path.Combine(_root, "config"),
            ["OUTPOST_TELEMETRY_DIR"] = TelemetryDirectory,
            ["OUTPOST_TELEMETRY"] = "local",
        };
    }

    public Dictionary<string, string?> Environment { get; }

    public string TelemetryDirectory => Path.Combine(_root, "telemetry");

    public string SessionPath => Path.Combine(_root, "config", "session.json");

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public IPrompter? Prompter { get; set; }

    /// <summary>What the next runs read as piped stdin; null is a terminal (no stdin to read).</summary>
    public string? Stdin { get; set; }

    /// <summary>True runs the commands as if stderr were a terminal (live progress blocks redrawn in place).</summary>
    public bool ErrorIsTerminal { get; set; }

    /// <summary>Canceling it is pressing Ctrl-C in every run that is in progress.</summary>
    public CancellationToken Interrupt { get; set; }

    /// <summary>Wraps the real transport (for example to delay or fail one request).</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapTransport { get; set; }

    public CliContext CreateContext(StringWriter stdout, StringWriter stderr) => new()
    {
        Out = stdout,
        Error = stderr,
        Environment = name => Environment.TryGetValue(name, out var value) ? value : null,
        Time = Time,
        Telemetry = LocalTelemetry.Create(new LocalTelemetryOptions
        {
            Environment = name => Environment.TryGetValue(name, out var value) ? value : null,
            Logger = NullLogger.Instance,
        }),
        Prompter = Prompter,
        In = Stdin is null ? null : new StringReader(Stdin),
        Interrupt = Interrupt,
        ErrorIsTerminal = ErrorIsTerminal,
        Loggers = NullLoggerFactory.Instance,
        CreateTransport = () => WrapTransport is null ? new SocketsHttpHandler() : WrapTransport(new SocketsHttpHandler()),
    };

    /// <summary>How long one command may run (a Terraform build with a real agent takes longer than most).</summary>
    public TimeSpan Timeout { get; set; } = TestTimeouts.Default;

    public async Task<CliRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode;
        await using (var context = CreateContext(stdout, stderr))
        {
            exitCode = await CliApp.RunAsync(context, args).WithTimeout(Timeout);
        }

        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Every event in the local telemetry files, in emission order.</summary>
    public List<TelemetryEvent> Events() =>
        !Directory.Exists(TelemetryDirectory)
            ? []
            : [.. Directory.GetFiles(TelemetryDirectory, "*.jsonl").SelectMany(TelemetryFileReader.ReadFile).OrderBy(e => e.Timestamp).ThenBy(e => e.EventSequence)];

    public List<TelemetryEvent> Events(string name) => [.. Events().Where(e => e.EventName == name)];

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>A person at the terminal, answering from a script.</summary>
internal sealed class ScriptedPrompter(params string?[] answers) : IPrompter
{
    private readonly Queue<string?> _answers = new(answers);

    public List<string> Questions { get; } = [];

    public Task<string?> AskAsync(string question, string? defaultValue, CancellationToken cancellationToken) => Next(question);

    public async Task<bool> ConfirmAsync(string question, CancellationToken cancellationToken) => (await Next(question)) is "y" or "yes";

    public Task<string?> AskSecretAsync(string question, CancellationToken cancellationToken) => Next(question);

    public Task<string?> PromptPasswordAsync(string url, string email, CancellationToken cancellationToken) => Next($"password for {email}");

    private Task<string?> Next(string question)
    {
        Questions.Add(question);
        return Task.FromResult(_answers.Count > 0 ? _answers.Dequeue() : null);
    }
}
