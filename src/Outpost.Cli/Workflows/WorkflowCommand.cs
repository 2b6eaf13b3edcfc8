using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Workflows.Model;

namespace Outpost.Cli.Workflows;

/// <summary>
/// <c>outpost workflow validate|run|list|history|show-run</c> (docs/workflows.md). <c>validate</c> checks
/// workflow files without a server: each file's schema, names, dependencies and cycles, then
/// nested-workflow references and cycles across the files given.
/// </summary>
internal static class WorkflowCommand
{
    /// <summary>Where workflow files are looked for when no path is given.</summary>
    public const string DefaultDirectory = "workflows";

    public static Command Create(CliContext context)
    {
        var command = new Command("workflow", "Work with workflow files (YAML jobs and steps over workspaces and templates).");
        command.Subcommands.Add(CreateValidate(context));
        command.Subcommands.Add(WorkflowRunCommand.Create(context));
        command.Subcommands.Add(WorkflowRecordsCommands.CreateList(context));
        command.Subcommands.Add(WorkflowRecordsCommands.CreateHistory(context));
        command.Subcommands.Add(WorkflowRecordsCommands.CreateShowRun(context));
        return command;
    }

    private static Command CreateValidate(CliContext context)
    {
        var paths = new Argument<string[]>("path")
        {
            Description = $"Workflow files, or directories whose *.yaml and *.yml files are read (default: ./{DefaultDirectory}).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = OutputFormat.CreateOption();
        var command = new Command("validate", "Check workflow files: every problem with its file, line, field and rule.") { paths, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (files, missing) = Collect(result.GetValue(paths) is { Length: > 0 } given ? given : [DefaultDirectory]);
            if (missing.Count > 0)
            {
                foreach (var path in missing)
                {
                    await context.Error.WriteLineAsync($"error: {path}: no such file or directory").ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            var errors = await ValidateAsync(files, cancellationToken).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(ToJson(files, errors)).ConfigureAwait(false);
            }
            else
            {
                foreach (var error in errors)
                {
                    await context.Error.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }

                await context.Error.WriteLineAsync(errors.Count == 0
                    ? $"{files.Count} workflow file(s) valid."
                    : $"{errors.Count} problem(s) in {errors.Select(error => error.File).Distinct(StringComparer.Ordinal).Count()} of {files.Count} workflow file(s).").ConfigureAwait(false);
            }

            return errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    internal static (List<string> Files, List<string> Missing) Collect(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var missing = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path).Where(file => file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            }
            else
            {
                missing.Add(path);
            }
        }

        return (files, missing);
    }

    /// <summary>Each file on its own, then what only the set shows: names used twice, nested references and cycles.</summary>
    internal static async Task<List<WorkflowError>> ValidateAsync(IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        (await LoadAsync(files, cancellationToken).ConfigureAwait(false)).Errors;

    /// <summary>The workflows of <paramref name="files"/> that parsed, and every problem <see cref="ValidateAsync"/> reports.</summary>
    internal static async Task<(List<WorkflowDefinition> Workflows, List<WorkflowError> Errors)> LoadAsync(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var errors = new List<WorkflowError>();
        var workflows = new List<WorkflowDefinition>();
        foreach (var file in files)
        {
            var parsed = WorkflowParser.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), file);
            errors.AddRange(parsed.Errors);
            if (parsed.Workflow is { } workflow)
            {
                errors.AddRange(WorkflowValidator.Validate(workflow));
                workflows.Add(workflow);
            }
        }

        foreach (var duplicate in workflows.GroupBy(workflow => workflow.Name, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            errors.Add(new WorkflowError(duplicate.Last().File, 1, 1, "name",
                $"workflow \"{duplicate.Key}\" is also defined in {string.Join(", ", duplicate.SkipLast(1).Select(workflow => workflow.File))}; workflow names are unique"));
        }

        errors.AddRange(WorkflowValidator.ValidateReferences(workflows));
        return (workflows, errors);
    }

    private static string ToJson(IReadOnlyList<string> files, IReadOnlyList<WorkflowError> errors)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("valid", errors.Count == 0);
            writer.WriteStartArray("files");
            foreach (var file in files)
            {
                writer.WriteStringValue(file);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("errors");
            foreach (var error in errors)
            {
                writer.WriteStartObject();
                writer.WriteString("file", error.File);
                writer.WriteNumber("line", error.Line);
                writer.WriteNumber("column", error.Column);
                writer.WriteString("path", error.Path);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
