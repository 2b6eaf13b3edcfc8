using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplateImporterTests
{
    private static TemplateError ImportError(Stream tar)
    {
        var result = TemplateImporter.Import(tar, ArchiveLimits.Default);
        Assert.False(result.Succeeded);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void A_valid_archive_yields_the_parsed_template()
    {
        var tar = new TarBuilder().File("outpost.yaml", "\uFEFFparameters:\n  - name: greeting\nagents:\n  - name: main\n").Build();

        var result = TemplateImporter.Import(tar, ArchiveLimits.Default);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal("greeting", Assert.Single(result.Definition!.Parameters).Name);
    }

    [Fact]
    public void An_archive_without_outpost_yaml_at_its_root_is_refused()
    {
        var error = ImportError(new TarBuilder().File("README.md", "hi").Build());

        Assert.Equal("the archive has no outpost.yaml at its root", error.ToString());
    }

    [Fact]
    public void An_archive_of_the_directory_rather_than_its_contents_gets_a_hint()
    {
        var error = ImportError(new TarBuilder().File("local-starter/outpost.yaml", "agents: []").Build());

        Assert.Equal(
            "the archive has no outpost.yaml at its root (it has local-starter/outpost.yaml: pack the template directory's contents, not the directory itself)",
            error.Message);
    }

    [Fact]
    public void A_misnamed_file_gets_a_hint() =>
        Assert.EndsWith(
            "(it has outpost.yml; the file must be named outpost.yaml)",
            ImportError(new TarBuilder().File("outpost.yml", "agents: []").Build()).Message,
            StringComparison.Ordinal);

    [Fact]
    public void Invalid_yaml_inside_the_archive_reports_its_line_and_column()
    {
        var error = ImportError(new TarBuilder().File("outpost.yaml", "agents:\n  - name: main\n  bad\n").Build());

        Assert.Equal("outpost.yaml", error.File);
        Assert.Equal(3, error.Line);
        Assert.True(error.Column > 0);
    }

    [Fact]
    public void A_tar_that_is_not_a_tar_is_refused_before_looking_for_the_template()
    {
        var garbage = new MemoryStream([.. "garbage, not a tar archive"u8, .. new byte[600]]);

        Assert.StartsWith("the upload is not a tar archive: ", ImportError(garbage).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_file_that_is_not_utf8_is_refused()
    {
        var tar = new TarBuilder().File("outpost.yaml", [0x61, 0xff, 0xfe, 0x0a]).Build();

        Assert.Equal("outpost.yaml: the file is not UTF-8 text", ImportError(tar).ToString());
    }
}
