using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;
using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// What methods run with: a context per method whose terminal is the step's log (the same telemetry,
/// clock, environment and transport as the <c>workflow run</c> that owns them; nobody to ask
/// questions), and one API client for the whole run, connected from the stored session on first use.
/// </summary>
internal sealed class MethodHost(CliContext context) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private AuthenticatedClient? _client;

    public CliContext Context { get; } = context;

    /// <summary>A context for one method, its streams the step's.</summary>
    public CliContext For(StepConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return new CliContext
        {
            Out = console.Out,
            Error = console.Error,
            Environment = Context.Environment,
            Time = Context.Time,
            Telemetry = Context.Telemetry,
            Loggers = Context.Loggers,
            CreateTransport = Context.CreateTransport,
            InvocationId = Context.InvocationId,
        };
    }

    /// <summary>The run's signed-in client; throws with the CLI's message when there is no session.</summary>
    public async Task<AuthenticatedClient> ClientAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is null)
            {
                var (client, problem) = Context.Connect();
                _client = client ?? throw new InvalidOperationException(problem);
            }

            return _client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>A verb's exit code as a method's result: its last <c>error:</c> line (or the code's meaning) when it is not 0.</summary>
    public static MethodResult Result(int exitCode, StepConsole console, IReadOnlyDictionary<string, object?>? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        var all = new Dictionary<string, object?>(outputs ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { ["exitCode"] = (long)exitCode };
        if (exitCode == ExitCodes.Success)
        {
            return MethodResult.Success(all);
        }

        var message = exitCode == ExitCodes.Interrupted
            ? console.LastLine ?? "interrupted"
            : console.LastError ?? InvocationStatus.Describe(exitCode).Message;
        return MethodResult.Failure($"{message} (exit code {exitCode})", all);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        _connecting.Dispose();
    }
}

/// <summary>The workflow engine's method boundary in the CLI: finds the model, checks the call, runs it.</summary>
internal sealed class CliMethodInvoker(MethodHost host, IReadOnlyList<IWorkflowModel> models) : IMethodInvoker
{
    /// <summary>Outpost's models: workspaces, templates, local shell commands, commands in workspaces.</summary>
    public static IReadOnlyList<IWorkflowModel> Builtin { get; } = [new WorkspaceModel(), new TemplateModel(), new ShellModel(), new WorkspaceExecModel()];

    public string? Check(MethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (models.FirstOrDefault(model => model.Type == call.Model) is not { } found)
        {
            return $"Model not found: {call.Model}. Known models: {string.Join(", ", models.Select(model => model.Type))}";
        }

        if (!found.Methods.Contains(call.Method, StringComparer.Ordinal))
        {
            return $"Unknown method '{call.Method}' for type '{found.Type}'. Available methods: {string.Join(", ", found.Methods)}";
        }

        return found.Check(call);
    }

    public Task<MethodResult> InvokeAsync(MethodCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return models.First(model => model.Type == call.Model).InvokeAsync(call, host, cancellationToken);
    }
}
