using System.Text;
using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary><c>read_file</c>: a text file of the workspace, up to <see cref="MaxBytes"/>.</summary>
internal sealed class ReadFileTool : ITaskTool
{
    public const int MaxBytes = 1024 * 1024;

    public string Name => "read_file";

    public string Description => "Read a text file in the workspace. The path is relative to the workspace directory.";

    public ToolEffect Effect => ToolEffect.ReadOnly;

    public JsonElement Parameters { get; } = ToolArguments.Schema(("path", "string", "The file's path, relative to the workspace directory."));

    public string Summarize(ToolArguments arguments) => arguments.Optional("path") ?? "?";

    public async Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        if (arguments.Required("path", out var error) is not { } path || context.Workspace.Confine(path, out error) is not { } real)
        {
            return ToolResult.Error(error!);
        }

        if (Directory.Exists(real))
        {
            return ToolResult.Error($"{path} is a directory; use list_directory");
        }

        if (!File.Exists(real))
        {
            return ToolResult.Error($"{path} does not exist");
        }

        await using var stream = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, useAsync: true);
        var buffer = new byte[(int)Math.Min(stream.Length, MaxBytes)];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (Array.IndexOf(buffer, (byte)0, 0, read) >= 0)
        {
            return ToolResult.Error($"{path} is a binary file ({stream.Length} bytes); it is not shown");
        }

        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return new ToolResult(stream.Length > read ? text + $"\n[truncated: the file has {stream.Length} bytes, only the first {read} are shown]" : text);
    }
}
