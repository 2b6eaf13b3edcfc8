using Outpost.Sdk;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Provisioner.Templates;

/// <summary>
/// Typed reads of one YAML mapping that report problems at the node's line and column instead of
/// throwing, and reject keys the schema does not know.
/// </summary>
internal sealed class YamlFields
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _fields = new(StringComparer.Ordinal);
    private readonly TemplateErrorList _errors;

    public YamlFields(YamlMappingNode node, string where, IReadOnlyList<string> allowed, TemplateErrorList errors)
    {
        ArgumentNullException.ThrowIfNull(node);
        _errors = errors;
        Where = where;
        Start = node.Start;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } scalar)
            {
                errors.Add(key, $"keys under {where} must be plain names");
                continue;
            }

            if (!allowed.Contains(name))
            {
                errors.Add(
                    key,
                    $"unknown key \"{name}\" under {where}{NameSuggestions.DidYouMean(name, allowed)}; expected one of {string.Join(", ", allowed)}");
                continue;
            }

            _fields[name] = (scalar, value);
        }
    }

    public string Where { get; }

    public Mark Start { get; }

    /// <summary>The scalar under <paramref name="key"/> of a mapping not yet validated, to name it in messages.</summary>
    public static string? Peek(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar && !IsNull(scalar)
            ? scalar.Value
            : null;

    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The value node, or null when the key is absent or explicitly null.</summary>
    public YamlNode? Node(string key) =>
        _fields.TryGetValue(key, out var field) && !(field.Value is YamlScalarNode scalar && IsNull(scalar))
            ? field.Value
            : null;

    /// <summary>Where to point at for a key's value, falling back to the mapping itself.</summary>
    public Mark MarkOf(string key) => _fields.TryGetValue(key, out var field) ? field.Value.Start : Start;

    public bool Has(string key) => _fields.ContainsKey(key);

    public string? String(string key)
    {
        switch (Node(key))
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value;
            case var other:
                _errors.Add(other, $"\"{key}\" of {Where} must be a single value, not a {Describe(other)}");
                return null;
        }
    }

    public string? RequiredString(string key)
    {
        var value = String(key);
        if (value is null && Node(key) is null)
        {
            _errors.Add(Start, $"{Where} needs a \"{key}\"");
        }

        return value;
    }

    public bool? Bool(string key)
    {
        var node = Node(key);
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        _errors.Add(node!, $"\"{key}\" of {Where} must be true or false, not \"{text}\"");
        return null;
    }

    public YamlSequenceNode? Sequence(string key) => Collection<YamlSequenceNode>(key, "list");

    public YamlMappingNode? Mapping(string key) => Collection<YamlMappingNode>(key, "mapping");

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private T? Collection<T>(string key, string kind)
        where T : YamlNode
    {
        switch (Node(key))
        {
            case null:
                return null;
            case T collection:
                return collection;
            case var other:
                _errors.Add(other, $"\"{key}\" of {Where} must be a {kind}, not a {Describe(other)}");
                return null;
        }
    }
}
