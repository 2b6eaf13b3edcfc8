namespace Outpost.Provisioner.Templates;

/// <summary>One problem with a template, at a 1-based line and column (0 when it has no place in a file).</summary>
internal sealed record TemplateError(string File, int Line, int Column, string Message)
{
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
