using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplateArchiveReadTests
{
    private static ArchiveContents Read(Stream tar, ArchiveLimits? limits = null) =>
        TemplateArchive.Read(tar, limits ?? ArchiveLimits.Default);

    private static string Refusal(Stream tar, ArchiveLimits? limits = null)
    {
        var contents = Read(tar, limits);
        Assert.False(contents.Succeeded);
        Assert.Empty(contents.Files);
        return contents.Error!;
    }

    [Fact]
    public void Files_and_directories_are_read_with_normalised_relative_paths()
    {
        var tar = new TarBuilder()
            .Entry(TarEntryType.Directory, "./")
            .File("./outpost.yaml", "agents: []", UnixFileMode.UserRead)
            .File("./scripts/./start.sh", "echo", UnixFileMode.UserRead | UnixFileMode.UserExecute)
            .Entry(TarEntryType.Directory, "empty/")
            .Build();

        var contents = Read(tar);

        Assert.True(contents.Succeeded, contents.Error);
        Assert.Equal(["outpost.yaml", "scripts/start.sh"], contents.Files.Select(file => file.Path));
        Assert.Equal(["empty", "scripts"], contents.Directories);
        Assert.True(contents.Find("scripts/start.sh")!.Executable);
        Assert.False(contents.Find("outpost.yaml")!.Executable);
        Assert.Equal("agents: []", Encoding.UTF8.GetString(contents.Find("outpost.yaml")!.Content));
    }

    [Theory]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Archives_in_the_classic_formats_are_read_too(TarEntryFormat format)
    {
        var tar = new TarBuilder(format).File("outpost.yaml", "x").Build();

        Assert.Equal("outpost.yaml", Assert.Single(Read(tar).Files).Path);
    }

    [Fact]
    public void Text_that_is_not_a_tar_is_refused_as_such()
    {
        var text = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("this is not a tar archive at all. ", 40))));

        Assert.StartsWith("the upload is not a tar archive: ", Refusal(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzipped_tar_is_refused_with_a_hint()
    {
        var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            new TarBuilder().File("outpost.yaml", "x").Build().CopyTo(gzip);
        }

        gzipped.Position = 0;

        Assert.Equal("the upload is not a tar archive: it is gzip-compressed; upload the plain tar", Refusal(gzipped));
    }

    [Fact]
    public void Bytes_whose_first_block_is_not_a_header_are_not_a_tar_even_when_the_reader_sees_an_end_marker() =>
        Assert.Equal(
            "the upload is not a tar archive: it does not start with a tar header",
            Refusal(new MemoryStream([.. "garbage, not a tar archive"u8, .. new byte[600]])));

    [Fact]
    public void A_truncated_upload_is_not_a_tar() =>
        Assert.StartsWith("the upload is not a tar archive: ", Refusal(new MemoryStream("garbage"u8.ToArray())), StringComparison.Ordinal);

    [Fact]
    public void An_empty_upload_is_refused() =>
        Assert.Equal("the upload is an empty archive", Refusal(new MemoryStream()));

    [Fact]
    public void An_archive_with_only_its_end_marker_is_empty() =>
        Assert.Equal("the upload is an empty archive", Refusal(new TarBuilder().Build()));

    [Fact]
    public void An_archive_with_only_a_root_directory_entry_is_empty() =>
        Assert.Equal("the upload is an empty archive", Refusal(new TarBuilder().Entry(TarEntryType.Directory, "./").Build()));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("./a/../..")]
    [InlineData("a\\..\\b")]
    public void Paths_that_are_absolute_or_climb_out_are_refused(string name)
    {
        var error = Refusal(new TarBuilder().File("outpost.yaml", "x").File(name, "boom").Build());

        Assert.Equal($"the archive entry \"{name}\" has an absolute path or a .. segment; entries must stay inside the template", error);
    }

    [Fact]
    public void A_dot_dot_inside_a_name_is_not_a_traversal()
    {
        var contents = Read(new TarBuilder().File("notes..txt", "x").Build());

        Assert.Equal("notes..txt", Assert.Single(contents.Files).Path);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "link", "/etc", "the archive entry \"link\" is a link to /etc; templates may hold only files and directories")]
    [InlineData(TarEntryType.HardLink, "hard", "outpost.yaml", "the archive entry \"hard\" is a link to outpost.yaml; templates may hold only files and directories")]
    [InlineData(TarEntryType.Fifo, "pipe", null, "the archive entry \"pipe\" is a special file (Fifo); templates may hold only files and directories")]
    public void Links_and_special_files_are_refused(TarEntryType type, string name, string? target, string expected) =>
        Assert.Equal(expected, Refusal(new TarBuilder().File("outpost.yaml", "x").Entry(type, name, target).Build()));

    [Fact]
    public void The_same_path_twice_is_refused() =>
        Assert.Equal(
            "the archive holds \"a.txt\" more than once",
            Refusal(new TarBuilder().File("a.txt", "1").File("./a.txt", "2").Build()));

    [Fact]
    public void A_path_used_as_both_file_and_directory_is_refused() =>
        Assert.Equal(
            "the archive holds \"a\" both as a file and as a directory",
            Refusal(new TarBuilder().File("a", "1").File("a/b", "2").Build()));

    [Fact]
    public void More_entries_than_the_limit_are_refused()
    {
        var builder = new TarBuilder();
        for (var i = 0; i < 4; i++)
        {
            builder.File($"f{i}", "x");
        }

        var limits = new ArchiveLimits { MaxEntries = 3 };

        Assert.Equal("the archive holds more than 3 entries", Refusal(builder.Build(), limits));
    }

    [Fact]
    public void Files_adding_up_to_more_than_the_limit_are_refused()
    {
        var tar = new TarBuilder().File("a", new string('x', 60)).File("b", new string('y', 60)).Build();

        Assert.Equal(
            "the archive's files add up to more than the limit of 100 bytes",
            Refusal(tar, new ArchiveLimits { MaxTotalBytes = 100 }));
    }

    [Fact]
    public void Exactly_the_limits_are_still_accepted()
    {
        var tar = new TarBuilder().File("a", new string('x', 50)).File("b", new string('y', 50)).Build();

        Assert.True(Read(tar, new ArchiveLimits { MaxTotalBytes = 100, MaxEntries = 2 }).Succeeded);
    }
}
