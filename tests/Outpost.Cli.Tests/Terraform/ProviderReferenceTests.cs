using Outpost.TerraformProvider.Resources;
using Outpost.TerraformProvider.Schema;

namespace Outpost.Cli.Tests.Terraform;

public sealed class ProviderReferenceTests
{
    /// <summary>docs/terraform.md carries the reference rendered from the schema; run with OUTPOST_UPDATE_DOCS=1 to rewrite it.</summary>
    [Fact]
    public void The_provider_reference_in_the_docs_matches_the_schema()
    {
        var docs = Path.Join(RepositoryRoot(), "docs", "terraform.md");
        var text = File.ReadAllText(docs);
        var start = text.IndexOf(ProviderReference.Start, StringComparison.Ordinal);
        var end = text.IndexOf(ProviderReference.End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{docs} has no generated provider reference section");
        var current = text[start..(end + ProviderReference.End.Length + 1)];
        var expected = ProviderReference.Render(new ProviderCatalog());
        if (Environment.GetEnvironmentVariable("OUTPOST_UPDATE_DOCS") == "1" && current != expected)
        {
            File.WriteAllText(docs, text.Replace(current, expected, StringComparison.Ordinal));
            current = expected;
        }

        Assert.Equal(expected, current);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Join(directory.FullName, "Outpost.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (Outpost.slnx) was not found above the test binaries");
    }
}
