namespace Outpost.Provisioner.Templates;

/// <summary>
/// One problem with a template, at a 1-based line and column (0 when it has no place in a file;
/// an empty <see cref="File"/> when it is about the archive as a whole).
/// </summary>
internal sealed record TemplateError(string File, int Line, int Column, string Message)
{
    public static TemplateError OfArchive(string message) => new("", 0, 0, message);

    public override string ToString() => (File, Line) switch
    {
        ("", _) => Message,
        (_, > 0) => $"{File}:{Line}:{Column}: {Message}",
        _ => $"{File}: {Message}",
    };
}
