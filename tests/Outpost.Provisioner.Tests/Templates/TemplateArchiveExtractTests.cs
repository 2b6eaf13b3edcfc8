using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplateArchiveExtractTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_packed_template_extracts_to_the_same_files_and_execute_bits()
    {
        _temp.Write("source/outpost.yaml", "agents:\n  - name: main\n");
        var script = _temp.Write("source/bin/start.sh", "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(_temp.Combine("source/cache"));
        var tar = TemplateArchive.Pack(_temp.Combine("source"), 1024 * 1024).Tar!;

        var contents = TemplateArchive.Extract(new MemoryStream(tar), _temp.Combine("target"), ArchiveLimits.Default);

        Assert.True(contents.Succeeded, contents.Error);
        Assert.Equal("agents:\n  - name: main\n", File.ReadAllText(_temp.Combine("target/outpost.yaml")));
        Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(_temp.Combine("target/bin/start.sh")));
        Assert.NotEqual((UnixFileMode)0, File.GetUnixFileMode(_temp.Combine("target/bin/start.sh")) & UnixFileMode.UserExecute);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(_temp.Combine("target/outpost.yaml")) & UnixFileMode.UserExecute);
        Assert.True(Directory.Exists(_temp.Combine("target/cache")));
    }

    [Fact]
    public void A_bad_archive_writes_nothing()
    {
        var tar = new TarBuilder().File("good.txt", "fine").File("../evil.txt", "boom").Build();

        var contents = TemplateArchive.Extract(tar, _temp.Combine("target"), ArchiveLimits.Default);

        Assert.False(contents.Succeeded);
        Assert.False(Directory.Exists(_temp.Combine("target")));
        Assert.False(File.Exists(_temp.Combine("evil.txt")));
    }

    [Fact]
    public void A_destination_that_is_not_empty_is_refused()
    {
        _temp.Write("target/keep.txt", "mine");

        var contents = TemplateArchive.Extract(
            new TarBuilder().File("keep.txt", "theirs").Build(),
            _temp.Combine("target"),
            ArchiveLimits.Default);

        Assert.Equal($"{_temp.Combine("target")} is not empty", contents.Error);
        Assert.Equal("mine", File.ReadAllText(_temp.Combine("target/keep.txt")));
    }

    [Fact]
    public void An_existing_empty_destination_is_used()
    {
        Directory.CreateDirectory(_temp.Combine("target"));

        var contents = TemplateArchive.Extract(new TarBuilder().File("a.txt", "x").Build(), _temp.Combine("target"), ArchiveLimits.Default);

        Assert.True(contents.Succeeded);
        Assert.True(File.Exists(_temp.Combine("target/a.txt")));
    }
}
