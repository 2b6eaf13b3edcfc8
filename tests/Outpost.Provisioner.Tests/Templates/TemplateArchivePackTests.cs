using System.Formats.Tar;
using System.Net.Sockets;
using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplateArchivePackTests : IDisposable
{
    private const long Plenty = 1024 * 1024;

    private readonly TempDirectory _temp = new();

    public TemplateArchivePackTests()
    {
        _temp.Write("template/outpost.yaml", "agents:\n  - name: main\n");
    }

    private string Template => _temp.Combine("template");

    public void Dispose() => _temp.Dispose();

    private static List<(string Name, TarEntryType Type, UnixFileMode Mode, DateTimeOffset Time)> Entries(byte[] tar)
    {
        var entries = new List<(string, TarEntryType, UnixFileMode, DateTimeOffset)>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add((entry.Name, entry.EntryType, entry.Mode, entry.ModificationTime));
        }

        return entries;
    }

    [Fact]
    public void Files_and_directories_are_packed_in_ordinal_order_with_relative_paths()
    {
        _temp.Write("template/scripts/start.sh", "echo hi");
        _temp.Write("template/B.txt", "b");
        Directory.CreateDirectory(_temp.Combine("template/empty"));

        var packed = TemplateArchive.Pack(Template, Plenty);

        Assert.True(packed.Succeeded, packed.Error);
        Assert.Equal(
            ["B.txt", "empty/", "outpost.yaml", "scripts/", "scripts/start.sh"],
            Entries(packed.Tar!).Select(entry => entry.Name));
    }

    [Fact]
    public void The_same_directory_packs_to_the_same_bytes_whatever_the_file_times()
    {
        var first = TemplateArchive.Pack(Template, Plenty).Tar!;
        File.SetLastWriteTimeUtc(_temp.Combine("template/outpost.yaml"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));

        var second = TemplateArchive.Pack(Template, Plenty).Tar!;

        Assert.Equal(first, second);
        Assert.All(Entries(second), entry => Assert.Equal(DateTimeOffset.UnixEpoch, entry.Time));
    }

    [Fact]
    public void Only_the_owner_execute_bit_survives_packing()
    {
        var script = _temp.Write("template/run.sh", "#!/bin/sh");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(_temp.Combine("template/outpost.yaml"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);

        var modes = Entries(TemplateArchive.Pack(Template, Plenty).Tar!).ToDictionary(entry => entry.Name, entry => entry.Mode);

        Assert.Equal(UnixFileMode.UserExecute, modes["run.sh"] & UnixFileMode.UserExecute);
        Assert.Equal(UnixFileMode.OtherExecute, modes["run.sh"] & UnixFileMode.OtherExecute);
        Assert.Equal((UnixFileMode)0, modes["outpost.yaml"] & (UnixFileMode.UserExecute | UnixFileMode.OtherWrite));
    }

    [Fact]
    public void A_link_inside_the_directory_is_packed_as_the_file_it_points_to()
    {
        _temp.Write("template/real.txt", "content");
        File.CreateSymbolicLink(_temp.Combine("template/alias.txt"), "real.txt");

        var contents = TemplateArchive.Read(new MemoryStream(TemplateArchive.Pack(Template, Plenty).Tar!), ArchiveLimits.Default);

        Assert.Equal("content"u8.ToArray(), contents.Find("alias.txt")!.Content);
    }

    [Fact]
    public void A_link_escaping_the_directory_is_refused()
    {
        var outside = _temp.Write("secret.txt", "s3cret");
        File.CreateSymbolicLink(_temp.Combine("template/leak.txt"), outside);

        var packed = TemplateArchive.Pack(Template, Plenty);

        Assert.False(packed.Succeeded);
        Assert.Equal($"leak.txt is a link to {outside}, outside the template directory", packed.Error);
    }

    [Fact]
    public void A_relative_link_climbing_out_of_the_directory_is_refused()
    {
        _temp.Write("secret.txt", "s3cret");
        File.CreateSymbolicLink(_temp.Combine("template/leak.txt"), "../secret.txt");

        Assert.Contains("outside the template directory", TemplateArchive.Pack(Template, Plenty).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dangling_link_is_refused()
    {
        File.CreateSymbolicLink(_temp.Combine("template/gone.txt"), "nowhere.txt");

        Assert.Equal("gone.txt is a link to nowhere.txt, which does not exist", TemplateArchive.Pack(Template, Plenty).Error);
    }

    [Fact]
    public void A_link_back_to_a_containing_directory_is_refused_instead_of_looping()
    {
        Directory.CreateDirectory(_temp.Combine("template/sub"));
        Directory.CreateSymbolicLink(_temp.Combine("template/sub/loop"), "..");

        Assert.Equal("sub/loop is a link back to a directory that contains it", TemplateArchive.Pack(Template, Plenty).Error);
    }

    [Fact]
    public void A_template_reached_through_a_linked_parent_may_still_hold_absolute_links_into_itself()
    {
        var real = _temp.Write("template/data.txt", "inside");
        File.CreateSymbolicLink(_temp.Combine("template/absolute.txt"), real);
        Directory.CreateSymbolicLink(_temp.Combine("linked"), _temp.Combine("template"));

        var packed = TemplateArchive.Pack(_temp.Combine("linked"), Plenty);

        Assert.True(packed.Succeeded, packed.Error);
        Assert.Contains("absolute.txt", Entries(packed.Tar!).Select(entry => entry.Name));
    }

    [Fact]
    public void Links_pointing_at_each_other_are_refused_as_missing()
    {
        File.CreateSymbolicLink(_temp.Combine("template/a"), "b");
        File.CreateSymbolicLink(_temp.Combine("template/b"), "a");

        Assert.Equal("a is a link to b, which does not exist", TemplateArchive.Pack(Template, Plenty).Error);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_an_error_value_not_an_exception()
    {
        // A Unix socket cannot be opened for reading, even by root, so this fails wherever the tests run.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(_temp.Combine("template/agent.sock")));

        var packed = TemplateArchive.Pack(Template, Plenty);

        Assert.StartsWith("could not read the template directory: ", packed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_larger_than_the_limit_is_refused()
    {
        _temp.Write("template/big.bin", new string('x', 5000));

        var packed = TemplateArchive.Pack(Template, 4096);

        Assert.Equal("the template is larger than the limit of 4096 bytes", packed.Error);
    }

    [Fact]
    public void A_directory_without_outpost_yaml_is_refused()
    {
        _temp.Write("other/readme.md", "hi");

        Assert.Equal($"{_temp.Combine("other")} has no outpost.yaml", TemplateArchive.Pack(_temp.Combine("other"), Plenty).Error);
    }

    [Fact]
    public void A_missing_directory_is_refused()
    {
        Assert.Equal($"{_temp.Combine("nope")} is not a directory", TemplateArchive.Pack(_temp.Combine("nope"), Plenty).Error);
    }
}
