using Outpost.Workflows.Model;
using YamlDotNet.RepresentationModel;

namespace Outpost.Cli.Workflows;

/// <summary>
/// A run's inputs from the command line: <c>--input-file</c> (a YAML or JSON mapping), then each
/// <c>--input name=value</c> over it. A value is text when the workflow declares the input a string,
/// else read as YAML (<c>3</c>, <c>true</c>, <c>[a, b]</c>, <c>{k: v}</c>; anything else stays text).
/// </summary>
internal static class WorkflowInputs
{
    public static async Task<(Dictionary<string, object?> Inputs, List<string> Errors)> ReadAsync(
        WorkflowDefinition workflow, string? file, IReadOnlyList<string> assignments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var inputs = new Dictionary<string, object?>(StringComparer.Ordinal);
        var errors = new List<string>();
        if (file is not null)
        {
            if (!File.Exists(file))
            {
                errors.Add($"--input-file {file}: no such file");
            }
            else if (Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), out var value) is { } problem)
            {
                errors.Add($"--input-file {file}: {problem}");
            }
            else if (value is IReadOnlyDictionary<string, object?> map)
            {
                foreach (var (name, item) in map)
                {
                    inputs[name] = item;
                }
            }
            else if (value is not null)
            {
                errors.Add($"--input-file {file}: must hold a mapping of input names to values");
            }
        }

        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"--input \"{assignment}\": expected name=value");
                continue;
            }

            var (name, text) = (assignment[..equals], assignment[(equals + 1)..]);
            inputs[name] = workflow.Inputs?.Properties.GetValueOrDefault(name)?.Type == "string" || Parse(text, out var typed) is not null ? text : typed ?? text;
        }

        return (inputs, errors);
    }

    /// <summary>A YAML document as a plain value (null when empty); the parser's message when it is not YAML.</summary>
    private static string? Parse(string text, out object? value)
    {
        value = null;
        try
        {
            var stream = new YamlStream();
            using var reader = new StringReader(text);
            stream.Load(reader);
            value = stream.Documents.Count == 0 ? null : YamlMap.Value(stream.Documents[0].RootNode);
            return null;
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return ex.Message;
        }
    }
}
