using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary><c>write_file</c>: creates or replaces a workspace file (and its missing parent directories).</summary>
internal sealed class WriteFileTool : ITaskTool
{
    public string Name => "write_file";

    public string Description => "Create or overwrite a file in the workspace with the given content. Missing parent directories are created.";

    public ToolEffect Effect => ToolEffect.FileWrite;

    public JsonElement Parameters { get; } = ToolArguments.Schema(
        ("path", "string", "The file's path, relative to the workspace directory."),
        ("content", "string", "The whole new content of the file."));

    public string Summarize(ToolArguments arguments) => $"{arguments.Optional("path")} ({arguments.Optional("content")?.Length ?? 0} characters)";

    public async Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        if (arguments.Required("path", out var error) is not { } path || arguments.Required("content", out error) is not { } content
            || context.Workspace.Confine(path, out error) is not { } real)
        {
            return ToolResult.Error(error!);
        }

        if (Directory.Exists(real))
        {
            return ToolResult.Error($"{path} is a directory");
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            var existed = File.Exists(real);
            await File.WriteAllTextAsync(real, content, cancellationToken).ConfigureAwait(false);
            return new ToolResult($"{(existed ? "overwrote" : "created")} {context.Workspace.Relative(real)} ({content.Length} characters)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"could not write {path}: {ex.Message}");
        }
    }
}
