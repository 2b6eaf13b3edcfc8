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
