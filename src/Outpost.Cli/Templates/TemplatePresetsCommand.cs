using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;

namespace Outpost.Cli.Templates;

/// <summary><c>outpost templates presets TEMPLATE [--output json]</c>: the active version's presets and their prebuild pools.</summary>
internal static class TemplatePresetsCommand
{
    public static Command Create(CliContext context)
    {
        var template = new Argument<string>("template") { Description = "The template's name." };
        var output = OutputFormat.CreateOption();
        var command = new Command("presets", "Show the presets of a template's active version with their prebuilt workspaces: desired, running, eligible (agents ready: what a claim takes), building, failed.") { template, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var presets = await client.Api.ListTemplatePresetsAsync(result.GetValue(template)!, ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(presets, OutpostJsonContext.Default.ListTemplatePreset)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["PRESET", "DESIRED", "RUNNING", "ELIGIBLE", "BUILDING", "FAILED", "STATE", "PARAMETERS"], presets.Select(p => (IReadOnlyList<string>)
            [
                p.Name + (p.Default ? " (default)" : ""),
                Count(p.Desired), Count(p.Running), Count(p.Eligible), Count(p.Building), Count(p.Failed),
                WireName.Of(p.State) + (p.RetryAt is { } retry ? " until " + retry.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture) : ""),
                string.Join(", ", p.Parameters.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}")),
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
