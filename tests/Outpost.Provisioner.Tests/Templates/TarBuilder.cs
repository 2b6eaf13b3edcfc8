using System.Formats.Tar;
using System.Text;

namespace Outpost.Provisioner.Tests.Templates;

/// <summary>Hand-made archives, including the hostile ones a real tar tool would not produce.</summary>
internal sealed class TarBuilder
{
    private const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly MemoryStream _stream = new();
    private readonly TarEntryFormat _format;
    private readonly TarWriter _writer;

    public TarBuilder(TarEntryFormat format = TarEntryFormat.Pax)
    {
        _format = format;
        _writer = new TarWriter(_stream, format, leaveOpen: true);
    }

    public TarBuilder File(string name, string content, UnixFileMode mode = ReadWrite) =>
        File(name, Encoding.UTF8.GetBytes(content), mode);

    public TarBuilder File(string name, byte[] content, UnixFileMode mode = ReadWrite)
    {
        var entry = NewEntry(TarEntryType.RegularFile, name);
        entry.Mode = mode;
        entry.DataStream = new MemoryStream(content);
        _writer.WriteEntry(entry);
        return this;
    }

    public TarBuilder Entry(TarEntryType type, string name, string? linkName = null)
    {
        var entry = NewEntry(type, name);
        if (linkName is not null)
        {
            entry.LinkName = linkName;
        }

        _writer.WriteEntry(entry);
        return this;
    }

    public MemoryStream Build()
    {
        _writer.Dispose();
        return new MemoryStream(_stream.ToArray());
    }

    private TarEntry NewEntry(TarEntryType type, string name) => _format switch
    {
        TarEntryFormat.Ustar => new UstarTarEntry(type, name),
        TarEntryFormat.Gnu => new GnuTarEntry(type, name),
        _ => new PaxTarEntry(type, name),
    };
}
