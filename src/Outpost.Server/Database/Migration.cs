namespace Outpost.Server.Database;

/// <summary>One numbered schema change, embedded in the server binary.</summary>
internal sealed record Migration(int Version, string Name, string Sql)
{
    private const string ResourcePrefix = "Outpost.Server.Migrations.";

    /// <summary>The migrations compiled into this binary, in version order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = resource[ResourcePrefix.Length..^".sql".Length];
            var underscore = fileName.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(fileName.AsSpan(0, underscore), out var version))
            {
                throw new InvalidOperationException($"Embedded migration '{fileName}.sql' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, fileName[(underscore + 1)..], reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Embedded migrations must be numbered 1..N without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }
}
