using System.CommandLine;
using System.Globalization;
using Outpost.Cli.Hosting;
using Outpost.Workflows.Expressions;
using Outpost.Workflows.Model;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Workflows;

/// <summary>
/// <c>outpost workflow list</c> (the workflows in DIR/workflows with their last run),
/// <c>outpost workflow history WORKFLOW</c> (its runs, newest first) and
/// <c>outpost workflow show-run RUN-ID</c> (one run record): read from disk, no server.
/// </summary>
internal static class WorkflowRecordsCommands
{
    public static Command CreateList(CliContext context)
    {
        var directory = WorkflowRunCommand.DirectoryOption();
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List the workflows in DIR/workflows with their last run.") { directory, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var dir = result.GetValue(directory)!;
            var (workflows, errors) = await LoadAsync(dir, cancellationToken).ConfigureAwait(false);
            var store = new RunRecordStore(dir);
            var rows = workflows.Select(workflow => (Workflow: workflow, Last: store.History(workflow.Id).FirstOrDefault())).ToList();
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(ExpressionValues.ToJson(rows.Select(row => (object?)new Dictionary<string, object?>
                {
                    ["name"] = row.Workflow.Name,
                    ["id"] = row.Workflow.Id.ToString("D"),
                    ["file"] = row.Workflow.File,
                    ["jobs"] = (long)row.Workflow.Jobs.Count,
                    ["lastRun"] = row.Last is null ? null : Summary(row.Last),
                }).ToList(), indented: true)).ConfigureAwait(false);
            }
            else
            {
                await OutputFormat.WriteTableAsync(context.Out, ["NAME", "ID", "JOBS", "LAST RUN", "FILE"], rows.Select(row => (IReadOnlyList<string>)
                [
                    row.Workflow.Name, row.Workflow.Id.ToString("D"), row.Workflow.Jobs.Count.ToString(CultureInfo.InvariantCulture),
                    row.Last is null ? "never" : $"{RunRecord.Text(row.Last, "status")} {RunRecord.Text(row.Last, "startedAt")}", row.Workflow.File,
                ])).ConfigureAwait(false);
            }

            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync($"warning: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateHistory(CliContext context)
    {
        var target = new Argument<string>("workflow") { Description = "The workflow's name or id." };
        var directory = WorkflowRunCommand.DirectoryOption();
        var output = OutputFormat.CreateOption();
        var command = new Command("history", "List a workflow's runs, newest first.") { target, directory, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var dir = result.GetValue(directory)!;
            var name = result.GetValue(target)!;
            var (workflows, _) = await LoadAsync(dir, cancellationToken).ConfigureAwait(false);
            Guid? id = new WorkflowCatalog(workflows).Find(name)?.Id ?? (Guid.TryParse(name, out var given) ? given : null);
            if (id is not { } workflowId)
            {
                await context.Error.WriteLineAsync($"error: no workflow \"{name}\" in {Path.Combine(dir, WorkflowCommand.DefaultDirectory)}; known: {(workflows.Count == 0 ? "none" : string.Join(", ", workflows.Select(w => w.Name)))}").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            var runs = new RunRecordStore(dir).History(workflowId);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(ExpressionValues.ToJson(runs.Select(run => (object?)Summary(run)).ToList(), indented: true)).ConfigureAwait(false);
            }
            else
            {
                await OutputFormat.WriteTableAsync(context.Out, ["RUN", "STATUS", "STARTED", "DURATION"], runs.Select(run => (IReadOnlyList<string>)
                [
                    RunRecord.Text(run, "id") ?? "?", RunRecord.Text(run, "status") ?? "?", RunRecord.Text(run, "startedAt") ?? "?", Duration(run),
                ])).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateShowRun(CliContext context)
    {
        var target = new Argument<string>("run-id") { Description = "The run's id (as `workflow run` and `workflow history` print it)." };
        var directory = WorkflowRunCommand.DirectoryOption();
        var output = OutputFormat.CreateOption();
        var command = new Command("show-run", "Show one run: its status, each job's and step's, errors and outputs.") { target, directory, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var text = result.GetValue(target)!;
            if (!Guid.TryParse(text, out var runId))
            {
                await context.Error.WriteLineAsync($"error: \"{text}\" is not a run id (a UUID)").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (new RunRecordStore(result.GetValue(directory)!).Find(runId) is not var (record, log))
            {
                await context.Error.WriteLineAsync($"error: no run {runId:D} is recorded under {new RunRecordStore(result.GetValue(directory)!).Root}").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(ExpressionValues.ToJson(record, indented: true)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Out.WriteLineAsync($"Run:      {RunRecord.Text(record, "id")}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Workflow: {RunRecord.Text(record, "workflowName")} ({RunRecord.Text(record, "workflowId")})").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Status:   {RunRecord.Text(record, "status")}{(RunRecord.Text(record, "reason") is { } reason ? $" ({reason})" : string.Empty)}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Started:  {RunRecord.Text(record, "startedAt")}  Duration: {Duration(record)}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Log:      {log}").ConfigureAwait(false);
            foreach (var job in RunRecord.Children(record, "jobs"))
            {
                await context.Out.WriteLineAsync($"{RunRecord.Text(job, "name")}: {RunRecord.Text(job, "status")}").ConfigureAwait(false);
                foreach (var step in RunRecord.Children(job, "steps"))
                {
                    var method = RunRecord.Text(step, "model") is { } model ? $" {model} {RunRecord.Text(step, "method")}" : string.Empty;
                    var error = RunRecord.Text(step, "error") is { } message ? $": {message}" : string.Empty;
                    await context.Out.WriteLineAsync($"  {RunRecord.Text(step, "name")}: {RunRecord.Text(step, "status")}{method} {Duration(step)}{error}").ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(List<WorkflowDefinition> Workflows, List<WorkflowError> Errors)> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        var library = Path.Combine(directory, WorkflowCommand.DefaultDirectory);
        return Directory.Exists(library)
            ? await WorkflowCommand.LoadAsync(WorkflowCommand.Collect([library]).Files, cancellationToken).ConfigureAwait(false)
            : ([], []);
    }

    private static Dictionary<string, object?> Summary(IReadOnlyDictionary<string, object?> record) =>
        new[] { "id", "workflowName", "status", "reason", "startedAt", "completedAt", "durationMs" }
            .Where(record.ContainsKey).ToDictionary(key => key, key => record[key], StringComparer.Ordinal);

    private static string Duration(IReadOnlyDictionary<string, object?> record) => record.GetValueOrDefault("durationMs") switch
    {
        long ms => $"{(ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture)}s",
        double ms => $"{(ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture)}s",
        _ => "-",
    };
}
