using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Workflows.Model;

/// <summary>
/// Typed reads of one YAML mapping of a workflow file: each problem becomes a <see cref="WorkflowError"/>
/// at the node's line with the field's path; unknown keys are refused (spec §9.6, as at HEAD).
/// </summary>
internal sealed class YamlMap
{
    private readonly Dictionary<string, YamlNode> _fields = new(StringComparer.Ordinal);
    private readonly List<WorkflowError> _errors;
    private readonly string _file;

    public YamlMap(YamlMappingNode node, string path, IReadOnlyList<string> allowed, string file, List<WorkflowError> errors)
    {
        _errors = errors;
        _file = file;
        Path = path;
        Node = node;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                Error(key, path, "keys must be plain names");
                continue;
            }

            if (!allowed.Contains(name))
            {
                Error(key, Join(path, name), $"unknown key \"{name}\"; expected one of {string.Join(", ", allowed)}");
                continue;
            }

            _fields[name] = value;
        }
    }

    public string Path { get; }

    public YamlMappingNode Node { get; }

    public int Line => (int)Node.Start.Line;

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public void Error(YamlNode at, string path, string message) => Error(at.Start, path, message);

    public void Error(Mark at, string path, string message) => _errors.Add(new WorkflowError(_file, (int)at.Line, (int)at.Column, path, message));

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public YamlNode? Get(string key) => _fields.TryGetValue(key, out var node) && !IsNull(node) ? node : null;

    public string? String(string key, bool required = false, bool nonEmpty = true)
    {
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Error(Node, Join(Path, key), "is required");
            }

            return null;
        }

        if (node is not YamlScalarNode { Value: { } text })
        {
            Error(node, Join(Path, key), "must be a string");
            return null;
        }

        if (nonEmpty && text.Trim().Length == 0)
        {
            Error(node, Join(Path, key), "must not be empty");
            return null;
        }

        return text;
    }

    public int? Integer(string key, int minimum)
    {
        if (Get(key) is not { } node)
        {
            return null;
        }

        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        Error(node, Join(Path, key), $"must be an integer of at least {minimum}");
        return null;
    }

    public double Number(string key)
    {
        if (Get(key) is not { } node)
        {
            return 0;
        }

        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(node, Join(Path, key), "must be a number");
        return 0;
    }

    public bool Boolean(string key)
    {
        if (Get(key) is not { } node)
        {
            return false;
        }

        if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        Error(node, Join(Path, key), "must be true or false");
        return false;
    }

    /// <summary>The items of a sequence under <paramref name="key"/>; an absent key is an empty list.</summary>
    public IReadOnlyList<YamlNode> Sequence(string key)
    {
        if (Get(key) is not { } node)
        {
            return [];
        }

        if (node is YamlSequenceNode sequence)
        {
            return [.. sequence.Children];
        }

        Error(node, Join(Path, key), "must be a list");
        return [];
    }

    /// <summary>A nested mapping, read with its own allowed keys; null (with an error) when the node is not a mapping.</summary>
    public YamlMap? Mapping(YamlNode node, string path, IReadOnlyList<string> allowed)
    {
        if (node is YamlMappingNode mapping)
        {
            return new YamlMap(mapping, path, allowed, _file, _errors);
        }

        Error(node, path, "must be a mapping");
        return null;
    }

    /// <summary>A free-form value (task inputs, defaults, enums): plain scalars typed as YAML 1.2 core does, quoted ones strings.</summary>
    public static object? Value(YamlNode node) => node switch
    {
        YamlScalarNode scalar when IsNull(scalar) => null,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" } => true,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" } => false,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => integer,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => number,
        YamlScalarNode scalar => scalar.Value ?? string.Empty,
        YamlSequenceNode sequence => sequence.Children.Select(Value).ToList(),
        YamlMappingNode mapping => mapping.Children.Where(pair => pair.Key is YamlScalarNode { Value: not null })
            .ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => Value(pair.Value), StringComparer.Ordinal),
        _ => null,
    };
}
