using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workflows.Methods;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Expressions;
using Outpost.Workflows.Model;
using Outpost.Workflows.Records;
using Outpost.Workflows.Telemetry;

namespace Outpost.Cli.Workflows;

/// <summary>Why a <c>workflow run</c> did not succeed, for its <c>cli_invocation</c> entry (spec §16 Q1: the parent records the workflow's outcome).</summary>
internal sealed class WorkflowRunException(string message) : Exception(message);

/// <summary>
/// <c>outpost workflow run FILE|NAME</c>: runs a workflow in this process (docs/workflows.md): a line per
/// job and step on stderr, the run record written under <c>.outpost/workflow-runs/</c> at every step's
/// change, one child <c>cli_invocation</c> per method. Ctrl-C and <c>--timeout</c> cancel the steps in
/// flight (recorded <c>cancelled</c>, with what each left behind) and start nothing more.
/// </summary>
internal static class WorkflowRunCommand
{
    /// <summary>Caps the steps and jobs running at once (like <c>SWAMP_MAX_CONCURRENT_STEPS</c>).</summary>
    public const string MaxConcurrencyVariable = "OUTPOST_MAX_CONCURRENT_STEPS";

    public static Option<string> DirectoryOption() => new("--dir")
    {
        Description = $"The repository: workflows are read from DIR/{WorkflowCommand.DefaultDirectory} and runs recorded under DIR/.outpost/workflow-runs (default: the current directory).",
        DefaultValueFactory = _ => ".",
    };

    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("workflow") { Description = $"A workflow file, or the name or id of a workflow in DIR/{WorkflowCommand.DefaultDirectory}." };
        var inputs = new Option<string[]>("--input", "-i") { Description = "An input, name=value (repeatable; over --input-file).", AllowMultipleArgumentsPerToken = false };
        var inputFile = new Option<string>("--input-file") { Description = "A YAML or JSON file of inputs." };
        var driver = new Option<string>("--driver") { Description = $"Run every method on this driver ({Drivers.Local}, or {Drivers.WorkspacePrefix}<name> for shell commands), over what the file says." };
        var timeout = new Option<string>("--timeout") { Description = "Cancel the run after this long (90s, 15m, 2h)." };
        var directory = DirectoryOption();
        var output = OutputFormat.CreateOption();
        var command = new Command("run", "Run a workflow: its jobs and steps against this deployment, recorded as it goes.") { target, inputs, inputFile, driver, timeout, directory, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(context, ct => RunAsync(context, new RunRequest(
            result.GetValue(target)!, result.GetValue(inputs) ?? [], result.GetValue(inputFile), result.GetValue(driver), result.GetValue(timeout),
            result.GetValue(directory)!, result.GetValue(output) == OutputFormat.Json), ct), cancellationToken));
        return command;
    }

    internal sealed record RunRequest(string Target, IReadOnlyList<string> Inputs, string? InputFile, string? Driver, string? Timeout, string Directory, bool Json);

    internal static async Task<int> RunAsync(CliContext context, RunRequest request, CancellationToken cancellationToken)
    {
        var (workflow, catalog, problem) = await FindAsync(context, request.Target, request.Directory, cancellationToken).ConfigureAwait(false);
        if (workflow is null)
        {
            return problem;
        }

        var (inputs, errors) = await WorkflowInputs.ReadAsync(workflow, request.InputFile, request.Inputs, cancellationToken).ConfigureAwait(false);
        TimeSpan? limit = null;
        if (request.Timeout is { } text)
        {
            limit = DurationParser.TryParse(text, out var parsed) ? parsed : null;
            if (limit is null)
            {
                errors.Add($"--timeout \"{text}\": expected a duration such as 90s, 15m or 2h");
            }
        }

        if (request.Driver is { } driver && Drivers.Problem(driver) is { } driverProblem)
        {
            errors.Add($"--driver: {driverProblem}");
        }

        if (errors.Count > 0)
        {
            return await UsageAsync(context, errors).ConfigureAwait(false);
        }

        var store = new RunRecordStore(request.Directory);
        var progress = new RunProgress(context.Error, context.Time, context.ErrorIsTerminal, context.Colour);
        var bridge = new WorkflowTelemetryBridge(new CliInvocationSink(context, context.InvocationId ?? string.Empty), context.Time,
            [.. CliMethodInvoker.Builtin.Select(model => model.Type)], progress.TelemetryFailed);
        await using var host = new MethodHost(context);
        var engine = new WorkflowEngine(new CliMethodInvoker(host, CliMethodInvoker.Builtin), catalog, context.Time, new WorkflowEngineOptions
        {
            Driver = request.Driver,
            MaxConcurrency = int.TryParse(context.Environment(MaxConcurrencyVariable), out var max) && max > 0 ? max : 0,
        });

        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit is { } after)
        {
            run.CancelAfter(after);
        }

        var runs = new Dictionary<Guid, WorkflowRun>();
        await using var writer = new RunRecordWriter(store, progress.RecordFailed);
        string Reason() => cancellationToken.IsCancellationRequested ? "interrupted" : $"timed out after {request.Timeout}";
        using var ticking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ticker = context.ErrorIsTerminal ? TickAsync(progress, context.Time, ticking.Token) : Task.CompletedTask;
        var (finished, inputErrors) = await engine.RunAsync(workflow, inputs, @event =>
        {
            if (@event is { Kind: WorkflowEventKind.Completed, Status: RunStatus.Cancelled, Run: { } cancelled })
            {
                cancelled.Reason = Reason();
            }

            progress.Show(@event, store);
            Record(store, writer, @event, progress, runs);
            bridge.Observe(@event);
        }, run.Token).ConfigureAwait(false);
        await ticking.CancelAsync().ConfigureAwait(false);
        await ticker.ConfigureAwait(false);
        await writer.DisposeAsync().ConfigureAwait(false);
        bridge.Finalize(finished?.Status == RunStatus.Cancelled ? $"workflow run {Reason()}" : null);
        if (finished is null)
        {
            return await UsageAsync(context, inputErrors).ConfigureAwait(false);
        }

        if (request.Json)
        {
            await context.Out.WriteLineAsync(ExpressionValues.ToJson(RunRecord.Of(finished), indented: true)).ConfigureAwait(false);
        }

        switch (finished.Status)
        {
            case RunStatus.Succeeded:
                return ExitCodes.Success;
            case RunStatus.Cancelled when cancellationToken.IsCancellationRequested:
                context.Failure = new WorkflowRunException("workflow run interrupted");
                return ExitCodes.Interrupted;
            case RunStatus.Cancelled:
                context.Failure = new WorkflowRunException("workflow run timed out");
                return ExitCodes.Failure;
            default:
                context.Failure = new WorkflowRunException("workflow run failed");
                return ExitCodes.Failure;
        }
    }

    /// <summary>On a terminal the live block's elapsed times move once a second until the run ends.</summary>
    private static async Task TickAsync(RunProgress progress, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                progress.Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended (or Ctrl-C): the last event has drawn its final line.
        }
    }

    /// <summary>
    /// Every event is a line of the log, written at once. Every change of the run, a job or a step
    /// queues the record to be rewritten (atomically, by the writer); a method's output and its
    /// <c>MethodExecuting</c> change no status. A nested run has no end event of its own: the end of
    /// the step that ran it queues it a last time.
    /// </summary>
    private static void Record(RunRecordStore store, RunRecordWriter writer, WorkflowEvent @event, RunProgress progress, Dictionary<Guid, WorkflowRun> runs)
    {
        if (@event.Run is not { } run)
        {
            return;
        }

        runs[run.Id] = run;
        try
        {
            store.AppendLog(run.WorkflowId, run.Id, progress.LogLine(@event));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            progress.RecordFailed(ex);
        }

        if (@event.Kind is WorkflowEventKind.MethodOutput or WorkflowEventKind.MethodExecuting)
        {
            return;
        }

        writer.Changed(run);
        if (@event.Kind is WorkflowEventKind.StepCompleted or WorkflowEventKind.StepFailed or WorkflowEventKind.StepCancelled
            && NestedRunOf(run, @event) is { } nestedId && runs.TryGetValue(nestedId, out var nested))
        {
            writer.Changed(nested);
        }
    }

    private static Guid? NestedRunOf(WorkflowRun run, WorkflowEvent @event)
    {
        var job = run.Jobs.FirstOrDefault(job => job.Name == @event.Job);
        if (job is null)
        {
            return null;
        }

        lock (job)
        {
            return job.Steps.FirstOrDefault(step => step.Name == @event.Step)?.NestedRunId;
        }
    }

    /// <summary>The workflow to run and the catalog its nested workflows come from: a file (with its directory's other files) or a name in DIR/workflows.</summary>
    private static async Task<(WorkflowDefinition? Workflow, WorkflowCatalog Catalog, int ExitCode)> FindAsync(CliContext context, string target, string directory, CancellationToken cancellationToken)
    {
        var library = Path.Combine(directory, WorkflowCommand.DefaultDirectory);
        var isFile = File.Exists(target);
        List<string> sources = [.. isFile ? [Path.GetDirectoryName(Path.GetFullPath(target))!] : Array.Empty<string>(), .. Directory.Exists(library) ? [library] : Array.Empty<string>()];
        var files = WorkflowCommand.Collect(sources).Files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        var (workflows, errors) = await WorkflowCommand.LoadAsync(files, cancellationToken).ConfigureAwait(false);
        var catalog = new WorkflowCatalog(workflows);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync(error.ToString()).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"error: {errors.Count} problem(s) in the workflow files; nothing ran").ConfigureAwait(false);
            return (null, catalog, ExitCodes.Usage);
        }

        var workflow = isFile ? workflows.FirstOrDefault(w => w.File == Path.GetFullPath(target)) : catalog.Find(target);
        if (workflow is null)
        {
            await context.Error.WriteLineAsync(isFile
                ? $"error: {target} holds no workflow"
                : $"error: no workflow \"{target}\" in {library}; known: {(workflows.Count == 0 ? "none" : string.Join(", ", catalog.Names))}").ConfigureAwait(false);
            return (null, catalog, ExitCodes.NotFound);
        }

        return (workflow, catalog, ExitCodes.Success);
    }

    private static async Task<int> UsageAsync(CliContext context, IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
        }

        return ExitCodes.Usage;
    }
}
