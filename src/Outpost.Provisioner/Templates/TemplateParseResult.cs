namespace Outpost.Provisioner.Templates;

/// <summary>Either a definition or every problem found; never both.</summary>
internal sealed record TemplateParseResult
{
    public TemplateDefinition? Definition { get; init; }

    public IReadOnlyList<TemplateError> Errors { get; init; } = [];

    public bool Succeeded => Definition is not null;

    public static TemplateParseResult Failed(params TemplateError[] errors) => new() { Errors = errors };
}
