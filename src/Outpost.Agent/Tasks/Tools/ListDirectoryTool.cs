using System.Text;
using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary><c>list_directory</c>: the entries of a workspace directory, directories marked with a trailing <c>/</c>.</summary>
internal sealed class ListDirectoryTool : ITaskTool
{
    public const int MaxEntries = 1000;

    public string Name => "list_directory";

    public string Description => "List the files and directories in a workspace directory (default: the workspace directory itself). Directories end with /.";

    public ToolEffect Effect => ToolEffect.ReadOnly;

    public JsonElement Parameters { get; } = ToolArguments.Schema(("path?", "string", "The directory, relative to the workspace directory; default \".\"."));

    public string Summarize(ToolArguments arguments) => arguments.Optional("path") ?? ".";

    public Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        var path = arguments.Optional("path") ?? ".";
        if (context.Workspace.Confine(path, out var error) is not { } real)
        {
            return Task.FromResult(ToolResult.Error(error!));
        }

        if (!Directory.Exists(real))
        {
            return Task.FromResult(ToolResult.Error(File.Exists(real) ? $"{path} is a file; use read_file" : $"{path} does not exist"));
        }

        var entries = new DirectoryInfo(real).EnumerateFileSystemInfos()
            .Select(e => e is DirectoryInfo ? e.Name + "/" : e.Name)
            .Order(StringComparer.Ordinal)
            .Take(MaxEntries + 1)
            .ToList();
        var output = new StringBuilder();
        foreach (var entry in entries.Take(MaxEntries))
        {
            output.Append(entry).Append('\n');
        }

        if (entries.Count > MaxEntries)
        {
            output.Append($"[truncated: only the first {MaxEntries} entries are shown]\n");
        }

        return Task.FromResult(new ToolResult(entries.Count == 0 ? "(empty directory)" : output.ToString()));
    }
}
