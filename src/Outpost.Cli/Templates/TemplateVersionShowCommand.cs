using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Templates;

namespace Outpost.Cli.Templates;

/// <summary><c>outpost templates versions show TEMPLATE [VERSION]</c>: one version with its parameters, presets and modules archive.</summary>
internal static class TemplateVersionShowCommand
{
    public static Command Create(CliContext context)
    {
        var template = new Argument<string>("template") { Description = "The template's name." };
        var version = new Argument<string?>("version") { Description = "The version's name (default: the active version, else the newest).", DefaultValueFactory = _ => null };
        var output = OutputFormat.CreateOption();
        var command = new Command("show", "Show a template version: its import status, parameters, presets and modules archive.") { template, version, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var versions = await client.Api.ListTemplateVersionsAsync(result.GetValue(template)!, ct).ConfigureAwait(false);
            var name = result.GetValue(version);
            var shown = name is null
                ? versions.FirstOrDefault(v => v.Active) ?? versions.LastOrDefault()
                : versions.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal));
            if (shown is null)
            {
                await context.Error.WriteLineAsync(name is null
                    ? $"error: template \"{result.GetValue(template)}\" has no versions; push one with outpost templates push"
                    : $"error: template \"{result.GetValue(template)}\" has no version \"{name}\" (it has: {string.Join(", ", versions.Select(v => v.Name))})").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(shown, OutpostJsonContext.Default.TemplateVersion)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await WriteAsync(context.Out, shown).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static async Task WriteAsync(TextWriter output, TemplateVersion version)
    {
        await output.WriteLineAsync($"Version:  {version.Name}{(version.Active ? " (active)" : "")}").ConfigureAwait(false);
        await output.WriteLineAsync($"Created:  {version.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)}").ConfigureAwait(false);
        await output.WriteLineAsync($"Import:   {WireName.Of(version.Job.Status)}{(version.Job.Error is { } error ? ": " + error : "")}").ConfigureAwait(false);
        await output.WriteLineAsync($"Modules:  {version.ModulesFileHash ?? "none"}").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await OutputFormat.WriteTableAsync(output, ["PARAMETER", "TYPE", "DEFAULT", "MUTABLE"], version.Parameters.Select(p => (IReadOnlyList<string>)
        [
            p.Name, WireName.Of(p.Type), p.DefaultValue ?? "(required)", p.Mutable ? "yes" : "no",
        ])).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await OutputFormat.WriteTableAsync(output, ["PRESET", "DEFAULT", "PARAMETERS"], version.Presets.Select(p => (IReadOnlyList<string>)
        [
            p.Name, p.Default ? "yes" : "", string.Join(", ", p.Parameters.OrderBy(value => value.Key, StringComparer.Ordinal).Select(value => $"{value.Key}={value.Value}")),
        ])).ConfigureAwait(false);
    }
}
