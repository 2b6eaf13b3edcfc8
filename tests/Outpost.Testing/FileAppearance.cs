namespace Outpost.Testing;

/// <summary>Waits for a file a workspace process writes, on its directory's change events rather than by polling.</summary>
public static class FileAppearance
{
    /// <summary>Returns <paramref name="path"/> once the file exists (created or renamed into place).</summary>
    public static async Task<string> WaitAsync(string path, TimeSpan? timeout = null)
    {
        var appeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        watcher.Created += (_, _) => appeared.TrySetResult();
        watcher.Renamed += (_, _) => appeared.TrySetResult();
        watcher.EnableRaisingEvents = true;
        if (!File.Exists(path))
        {
            await appeared.Task.WithTimeout(timeout ?? TestTimeouts.Short);
        }

        return path;
    }
}
