using Outpost.Agent.Tasks.Tools;

namespace Outpost.Agent.Tests.Tasks;

/// <summary>A fresh workspace directory (and a sibling outside it) under the temp directory, removed at the end.</summary>
internal sealed class TempWorkspace : IDisposable
{
    private readonly string _base = System.IO.Directory.CreateTempSubdirectory("outpost-task-").FullName;

    public TempWorkspace()
    {
        Path = System.IO.Directory.CreateDirectory(System.IO.Path.Combine(_base, "workspace")).FullName;
        Outside = System.IO.Directory.CreateDirectory(System.IO.Path.Combine(_base, "outside")).FullName;
        Directory = new WorkspaceDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A directory next to the workspace, outside it.</summary>
    public string Outside { get; }

    public WorkspaceDirectory Directory { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_base, recursive: true);
        }
        catch (IOException)
        {
            // A command the test killed may still be letting go of a file.
        }
    }
}
