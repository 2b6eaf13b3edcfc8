namespace Outpost.Provisioner.Templates;

internal sealed record TemplateApp
{
    public required string Slug { get; init; }

    public required string DisplayName { get; init; }

    public required string Url { get; init; }
}
