using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Protocol;

namespace Outpost.TerraformProvider.Schema;

/// <summary>How an attribute is set: by the template, optionally, or only by the provider.</summary>
internal enum AttributeMode
{
    Required,
    Optional,
    Computed,

    /// <summary>Optional, and the provider fills it in when the template leaves it out.</summary>
    OptionalComputed,
}

/// <summary>One attribute of a resource or data source.</summary>
internal sealed record SchemaAttribute(string Name, CtyType Type, AttributeMode Mode, string Description, bool Sensitive = false)
{
    public bool IsComputed => Mode is AttributeMode.Computed or AttributeMode.OptionalComputed;
}

/// <summary>A nested block (always list nesting here), e.g. <c>option</c> in <c>outpost_parameter</c>.</summary>
internal sealed record SchemaBlockType(string Name, SchemaBlock Block, int MaxItems = 0);

/// <summary>A block: attributes and nested blocks. Its value is an object of them all.</summary>
internal sealed record SchemaBlock(string Description, IReadOnlyList<SchemaAttribute> Attributes, IReadOnlyList<SchemaBlockType>? BlockTypes = null)
{
    public IReadOnlyList<SchemaBlockType> Blocks => BlockTypes ?? [];

    /// <summary>The object type of this block's values.</summary>
    public CtyType.ObjectType ImpliedType() => new(
    [
        .. Attributes.Select(attribute => new KeyValuePair<string, CtyType>(attribute.Name, attribute.Type))
            .Concat(Blocks.Select(block => new KeyValuePair<string, CtyType>(block.Name, CtyType.List(block.Block.ImpliedType()))))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal),
    ]);

    public Protocol.Schema.Types.Block ToProto()
    {
        var proto = new Protocol.Schema.Types.Block { Description = Description, DescriptionKind = StringKind.Markdown };
        foreach (var attribute in Attributes)
        {
            proto.Attributes.Add(new Protocol.Schema.Types.Attribute
            {
                Name = attribute.Name,
                Type = Google.Protobuf.ByteString.CopyFrom(attribute.Type.ToJson()),
                Description = attribute.Description,
                DescriptionKind = StringKind.Markdown,
                Required = attribute.Mode == AttributeMode.Required,
                Optional = attribute.Mode is AttributeMode.Optional or AttributeMode.OptionalComputed,
                Computed = attribute.IsComputed,
                Sensitive = attribute.Sensitive,
            });
        }

        foreach (var block in Blocks)
        {
            proto.BlockTypes.Add(new Protocol.Schema.Types.NestedBlock
            {
                TypeName = block.Name,
                Block = block.Block.ToProto(),
                Nesting = Protocol.Schema.Types.NestedBlock.Types.NestingMode.List,
                MaxItems = block.MaxItems,
            });
        }

        return proto;
    }
}
