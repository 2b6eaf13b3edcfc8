namespace Outpost.Provisioner.Tests;

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("outpost-provisioner-tests-").FullName;
    }

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Join(Path, relative);

    public string Write(string relative, string content)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
