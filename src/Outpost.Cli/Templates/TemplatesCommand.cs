using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Templates;

namespace Outpost.Cli.Templates;

/// <summary><c>outpost templates init|push|list|versions</c>.</summary>
internal static class TemplatesCommand
{
    /// <summary>The largest archive push sends; the server may have a lower limit (it answers 413).</summary>
    public const long MaxArchiveBytes = 32L * 1024 * 1024;

    public static Command Create(CliContext context)
    {
        var command = new Command("templates", "Create, push and list templates.");
        command.Subcommands.Add(CreateInit(context));
        command.Subcommands.Add(TemplatePushCommand.Create(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateVersions(context));
        command.Subcommands.Add(TemplatePresetsCommand.Create(context));
        return command;
    }

    private static Command CreateInit(CliContext context)
    {
        var directory = new Argument<string>("directory") { Description = "Where to write the starter (default: the current directory).", DefaultValueFactory = _ => "." };
        var type = new Option<string>("--type") { Description = "local (outpost.yaml, the default) or terraform (main.tf).", DefaultValueFactory = _ => "local" };
        type.AcceptOnlyFromAmong("local", "terraform");
        var command = new Command("init", "Write a starter template (outpost.yaml, or main.tf with --type terraform) to edit and push.") { directory, type };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = Path.GetFullPath(result.GetValue(directory)!);
            var terraform = result.GetValue(type) == "terraform";
            var file = Path.Combine(target, terraform ? "main.tf" : TemplateArchive.LocalTemplateFileName);
            if (File.Exists(file))
            {
                await context.Error.WriteLineAsync($"error: {file} already exists; edit it, or init another directory").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            Directory.CreateDirectory(target);
            await File.WriteAllTextAsync(file, terraform ? StarterTemplate.Terraform() : StarterTemplate.Yaml + "\n", cancellationToken).ConfigureAwait(false);
            await context.Out.WriteLineAsync(file).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Wrote {file}. Push it with: outpost templates push <name> --directory {result.GetValue(directory)}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List templates.") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var templates = await client.Api.ListTemplatesAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(templates, OutpostJsonContext.Default.ListTemplate)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["NAME", "PROVISIONER", "ACTIVE VERSION", "DESCRIPTION"], templates.Select(t => (IReadOnlyList<string>)
            [
                t.Name, t.Provisioner, t.ActiveVersionId?.ToString() ?? "none", t.Description,
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateVersions(CliContext context)
    {
        var name = new Argument<string>("template") { Description = "The template's name." };
        var output = OutputFormat.CreateOption();
        var command = new Command("versions", "List a template's versions and their import status; versions show for one version.") { name, output };
        command.Subcommands.Add(TemplateVersionShowCommand.Create(context));
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var versions = await client.Api.ListTemplateVersionsAsync(result.GetValue(name)!, ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(versions, OutpostJsonContext.Default.ListTemplateVersion)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["NAME", "CREATED", "STATUS", "ACTIVE", "ERROR"], versions.Select(v => (IReadOnlyList<string>)
            [
                v.Name, v.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture), WireName.Of(v.Job.Status), v.Active ? "yes" : "", v.Job.Error ?? "",
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>The template by name, or null when the server says there is none.</summary>
    internal static async Task<Template?> FindAsync(OutpostApiClient api, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetTemplateAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (OutpostApiException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }
}
