namespace Outpost.Provisioner.Tests;

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Join(directory.FullName, "Outpost.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Outpost.slnx) was not found above the test binaries");
    }
}
