using System.Text;

namespace Outpost.Provisioner.Templates;

/// <summary>
/// What a <c>template_version_import</c> job does with an uploaded file: check it is a template
/// archive and parse its <c>outpost.yaml</c>, without writing anything to disk.
/// </summary>
internal static class TemplateImporter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static TemplateParseResult Import(Stream tar, ArchiveLimits limits)
    {
        var contents = TemplateArchive.Read(tar, limits);
        if (!contents.Succeeded)
        {
            return TemplateParseResult.Failed(TemplateError.OfArchive(contents.Error!));
        }

        var file = contents.Find(TemplateParser.FileName);
        if (file is null)
        {
            return TemplateParseResult.Failed(TemplateError.OfArchive(Missing(contents)));
        }

        string yaml;
        try
        {
            yaml = StrictUtf8.GetString(file.Content);
        }
        catch (DecoderFallbackException)
        {
            return TemplateParseResult.Failed(new TemplateError(TemplateParser.FileName, 0, 0, "the file is not UTF-8 text"));
        }

        // A byte order mark is legal UTF-8 but not part of the YAML.
        return TemplateParser.Parse(yaml.TrimStart('\uFEFF'));
    }

    /// <summary>
    /// What an upload must hold to be importable at all, checked when it is uploaded (so a bad
    /// archive is refused before it is stored): <c>outpost.yaml</c> at the root, as UTF-8 text. A
    /// Terraform template (a <c>*.tf</c> file at the root) needs no <c>outpost.yaml</c>.
    /// </summary>
    public static string? CheckUpload(ArchiveContents contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var file = contents.Find(TemplateParser.FileName);
        if (file is null)
        {
            return contents.Files.Any(f => !f.Path.Contains('/', StringComparison.Ordinal) && f.Path.EndsWith(".tf", StringComparison.Ordinal))
                ? null
                : Missing(contents);
        }

        try
        {
            _ = StrictUtf8.GetCharCount(file.Content);
            return null;
        }
        catch (DecoderFallbackException)
        {
            return $"{TemplateParser.FileName}: the file is not UTF-8 text";
        }
    }

    private static string Missing(ArchiveContents contents)
    {
        const string Message = "the archive has no " + TemplateParser.FileName + " at its root";
        var nested = contents.Files.FirstOrDefault(file => file.Path.EndsWith("/" + TemplateParser.FileName, StringComparison.Ordinal));
        if (nested is not null)
        {
            return $"{Message} (it has {nested.Path}: pack the template directory's contents, not the directory itself)";
        }

        var misnamed = contents.Files.FirstOrDefault(file => file.Path is "outpost.yml" or "Outpost.yaml");
        return misnamed is not null ? $"{Message} (it has {misnamed.Path}; the file must be named {TemplateParser.FileName})" : Message;
    }
}
