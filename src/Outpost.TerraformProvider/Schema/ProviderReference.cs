using System.Text;
using Outpost.TerraformProvider.Resources;

namespace Outpost.TerraformProvider.Schema;

/// <summary>The provider reference in docs/terraform.md, rendered from the schema (a test keeps the two equal).</summary>
internal static class ProviderReference
{
    public const string Start = "<!-- provider reference: generated from the schema by ProviderReference; do not edit by hand -->";
    public const string End = "<!-- end of provider reference -->";

    public static string Render(ProviderCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var text = new StringBuilder();
        text.Append(Start).Append('\n');
        text.Append("\n### Resources\n");
        foreach (var resource in catalog.Resources.Values.OrderBy(resource => resource.TypeName, StringComparer.Ordinal))
        {
            Section(text, "resource", resource.TypeName, resource.Schema);
        }

        text.Append("\n### Data sources\n");
        foreach (var source in catalog.DataSources.Values.OrderBy(source => source.TypeName, StringComparer.Ordinal))
        {
            Section(text, "data", source.TypeName, source.Schema);
        }

        text.Append('\n').Append(End).Append('\n');
        return text.ToString();
    }

    private static void Section(StringBuilder text, string kind, string name, SchemaBlock block, SchemaBlockType? nested = null)
    {
        text.Append(nested is null
            ? $"\n#### `{kind} \"{name}\"`\n\n"
            : $"\nNested block `{nested.Name}`{(nested.MaxItems == 1 ? " (at most one)" : string.Empty)}:\n\n");
        text.Append(block.Description).Append("\n\n");
        text.Append("| Attribute | Type | | Description |\n|---|---|---|---|\n");
        foreach (var attribute in block.Attributes)
        {
            var mode = attribute.Mode switch
            {
                AttributeMode.Required => "required",
                AttributeMode.Optional => "optional",
                AttributeMode.OptionalComputed => "optional, defaulted",
                _ => "computed",
            };
            text.Append($"| `{attribute.Name}` | {attribute.Type} | {mode}{(attribute.Sensitive ? ", sensitive" : string.Empty)} | {attribute.Description} |\n");
        }

        foreach (var nestedBlock in block.Blocks)
        {
            Section(text, kind, name, nestedBlock.Block, nestedBlock);
        }
    }
}
