using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// <c>search_files</c>: lines matching a regular expression in the text files under a workspace directory.
/// Symlinks are not followed (a link could lead out of the workspace) and <c>.git</c> is skipped.
/// </summary>
internal sealed class SearchFilesTool : ITaskTool
{
    public const int MaxMatches = 200;
    private const long MaxFileBytes = 1024 * 1024;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    public string Name => "search_files";

    public string Description => "Search the text files under a workspace directory for lines matching a regular expression; answers path:line: text.";

    public ToolEffect Effect => ToolEffect.ReadOnly;

    public JsonElement Parameters { get; } = ToolArguments.Schema(
        ("pattern", "string", "A .NET regular expression, matched against each line."),
        ("path?", "string", "The directory to search, relative to the workspace directory; default \".\"."));

    public string Summarize(ToolArguments arguments) => $"{arguments.Optional("pattern")} in {arguments.Optional("path") ?? "."}";

    public async Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var path = arguments.Optional("path") ?? ".";
        if (arguments.Required("pattern", out var error) is not { } pattern || context.Workspace.Confine(path, out error) is not { } real)
        {
            return ToolResult.Error(error!);
        }

        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.None, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            return ToolResult.Error($"the pattern is not a valid regular expression: {ex.Message}");
        }

        if (!Directory.Exists(real))
        {
            return ToolResult.Error($"{path} is not a directory");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var output = new StringBuilder();
        var matches = 0;
        foreach (var file in Directory.EnumerateFiles(real, "*", options).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Contains("/.git/", StringComparison.Ordinal) || new FileInfo(file).Length > MaxFileBytes)
            {
                continue;
            }

            string[] lines;
            try
            {
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                if (Array.IndexOf(bytes, (byte)0) >= 0)
                {
                    continue;
                }

                lines = Encoding.UTF8.GetString(bytes).Split('\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            for (var i = 0; i < lines.Length; i++)
            {
                bool hit;
                try
                {
                    hit = regex.IsMatch(lines[i]);
                }
                catch (RegexMatchTimeoutException)
                {
                    return ToolResult.Error("the pattern took too long to match; use a simpler one");
                }

                if (!hit)
                {
                    continue;
                }

                if (++matches > MaxMatches)
                {
                    output.Append($"[truncated: more than {MaxMatches} matches; narrow the pattern or the path]\n");
                    return new ToolResult(output.ToString());
                }

                output.Append(context.Workspace.Relative(file)).Append(':').Append(i + 1).Append(": ").Append(lines[i].TrimEnd('\r')).Append('\n');
            }
        }

        return new ToolResult(matches == 0 ? "no matches" : output.ToString());
    }
}
