using System.Globalization;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary>How tasks and their messages read for people.</summary>
internal static class TaskFormat
{
    public static string Line(TaskMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var time = message.CreatedAt.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var text = message.Kind switch
        {
            TaskMessageKind.User => $"you: {message.Content}",
            TaskMessageKind.Assistant => $"assistant: {message.Content}",
            TaskMessageKind.ToolCall => $"-> {message.ToolName}: {message.Content}",
            TaskMessageKind.ToolResult => $"<- {message.ToolName}: {message.Content}",
            _ => $"* {message.Content}",
        };
        return $"{time} {text}";
    }

    public static string Status(AiTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.StatusReason is null ? WireName.Of(task.Status) : $"{WireName.Of(task.Status)} ({task.StatusReason})";
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first line of a prompt, cut to <paramref name="length"/> characters for a table.</summary>
    public static string Short(string prompt, int length = 48)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var line = prompt.Split('\n', 2)[0].Trim();
        return line.Length <= length ? line : string.Concat(line.AsSpan(0, length - 3), "...");
    }
}
