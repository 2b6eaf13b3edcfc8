namespace Outpost.Agent.Tasks.Tools;

/// <summary>The tools offered to the model, by name.</summary>
internal sealed class TaskToolset
{
    private readonly Dictionary<string, ITaskTool> _byName;

    public TaskToolset(IEnumerable<ITaskTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        All = [.. tools];
        _byName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Definitions = [.. All.Select(t => new ChatTool { Function = new ChatFunction { Name = t.Name, Description = t.Description, Parameters = t.Parameters } })];
    }

    /// <summary>read_file, list_directory, search_files, write_file, edit_file, run_command, task_complete.</summary>
    public static TaskToolset Default() => new([new ReadFileTool(), new ListDirectoryTool(), new SearchFilesTool(), new WriteFileTool(), new EditFileTool(), new RunCommandTool(), new TaskCompleteTool()]);

    public IReadOnlyList<ITaskTool> All { get; }

    /// <summary>As sent in the request's <c>tools</c>.</summary>
    public IReadOnlyList<ChatTool> Definitions { get; }

    public ITaskTool? Find(string name) => _byName.GetValueOrDefault(name);
}
