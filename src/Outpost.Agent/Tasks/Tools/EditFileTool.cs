using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary><c>edit_file</c>: replaces text that occurs exactly once in a workspace file; zero or several matches are refused.</summary>
internal sealed class EditFileTool : ITaskTool
{
    public string Name => "edit_file";

    public string Description => "Replace old_text with new_text in a workspace file. old_text must match the file exactly (whitespace included) and occur exactly once.";

    public ToolEffect Effect => ToolEffect.FileWrite;

    public JsonElement Parameters { get; } = ToolArguments.Schema(
        ("path", "string", "The file's path, relative to the workspace directory."),
        ("old_text", "string", "The exact text to replace; it must occur once in the file."),
        ("new_text", "string", "The replacement."));

    public string Summarize(ToolArguments arguments) => arguments.Optional("path") ?? "?";

    public async Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        if (arguments.Required("path", out var error) is not { } path || arguments.Required("old_text", out error) is not { } oldText
            || arguments.Required("new_text", out error) is not { } newText || context.Workspace.Confine(path, out error) is not { } real)
        {
            return ToolResult.Error(error!);
        }

        if (oldText.Length == 0)
        {
            return ToolResult.Error("old_text is empty; use write_file to create a file");
        }

        if (!File.Exists(real))
        {
            return ToolResult.Error($"{path} does not exist");
        }

        var text = await File.ReadAllTextAsync(real, cancellationToken).ConfigureAwait(false);
        var first = text.IndexOf(oldText, StringComparison.Ordinal);
        if (first < 0)
        {
            return ToolResult.Error($"old_text was not found in {path}; nothing was changed. Read the file and copy the exact text, whitespace included.");
        }

        var count = 1;
        for (var at = text.IndexOf(oldText, first + oldText.Length, StringComparison.Ordinal); at >= 0; at = text.IndexOf(oldText, at + oldText.Length, StringComparison.Ordinal))
        {
            count++;
        }

        if (count > 1)
        {
            return ToolResult.Error($"old_text occurs {count} times in {path}; nothing was changed. Include more surrounding text so it matches exactly once.");
        }

        await File.WriteAllTextAsync(real, string.Concat(text.AsSpan(0, first), newText, text.AsSpan(first + oldText.Length)), cancellationToken).ConfigureAwait(false);
        return new ToolResult($"edited {context.Workspace.Relative(real)}: replaced {oldText.Length} characters with {newText.Length}");
    }
}
