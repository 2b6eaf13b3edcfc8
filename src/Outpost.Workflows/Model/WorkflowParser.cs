using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Workflows.Model;

/// <summary>What parsing a workflow file gave: the definition, or every error found (never both).</summary>
internal sealed record WorkflowParseResult(WorkflowDefinition? Workflow, IReadOnlyList<WorkflowError> Errors)
{
    public bool Succeeded => Workflow is not null;
}

/// <summary>
/// Reads a workflow file (spec §9): the schema of every field, reporting all problems at once, each
/// with the file, line, column and field path. Cross-references (names, dependencies, cycles) are
/// <see cref="WorkflowValidator"/>'s.
/// </summary>
internal static partial class WorkflowParser
{
    /// <summary>Nesting of <c>and</c>/<c>or</c>/<c>not</c> is bounded so a hostile file cannot exhaust the stack.</summary>
    public const int MaxConditionDepth = 16;

    public const string ShellRefusal =
        "the \"shell\" task type is not supported: use type: model_method with modelIdOrName: command/shell and methodName: run " +
        "(inputs: command, args, env, timeout)";

    private static readonly string[] WorkflowKeys = ["id", "name", "description", "trigger", "tags", "inputs", "jobs", "version", "concurrency", "reports", "driver", "driverConfig"];
    private static readonly string[] JobKeys = ["name", "description", "steps", "dependsOn", "weight", "concurrency", "driver", "driverConfig"];
    private static readonly string[] InputKeys = ["type", "properties", "required", "additionalProperties", "description", "title"];
    private static readonly string[] PropertyKeys = ["type", "description", "enum", "default", "title", "items", "format", "minimum", "maximum", "pattern"];

    public static WorkflowParseResult Parse(string yaml, string file)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(file);
        var errors = new List<WorkflowError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            return new WorkflowParseResult(null, [new WorkflowError(file, (int)ex.Start.Line, (int)ex.Start.Column, string.Empty, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}")]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new WorkflowParseResult(null, [new WorkflowError(file, 1, 1, string.Empty, "a workflow file is one YAML mapping with id, name and jobs")]);
        }

        var top = new YamlMap(root, string.Empty, WorkflowKeys, file, errors);
        var workflow = ReadWorkflow(top, file);
        return errors.Count == 0
            ? new WorkflowParseResult(workflow, [])
            : new WorkflowParseResult(null, [.. errors.OrderBy(error => error.Line).ThenBy(error => error.Column)]);
    }

    private static WorkflowDefinition ReadWorkflow(YamlMap top, string file)
    {
        var id = Guid.Empty;
        if (top.String("id", required: true) is { } idText && !Guid.TryParse(idText, out id))
        {
            top.Error(top.Get("id")!, "id", "must be a UUID");
        }

        var name = top.String("name", required: true) ?? string.Empty;
        if (name.Length > 0 && NameProblem(name) is { } problem)
        {
            top.Error(top.Get("name")!, "name", problem);
        }

        var jobs = new List<JobDefinition>();
        var jobNodes = top.Sequence("jobs");
        if (jobNodes.Count == 0 && top.Get("jobs") is null or YamlSequenceNode)
        {
            top.Error(top.Get("jobs") ?? top.Node, "jobs", "must list at least one job");
        }

        for (var i = 0; i < jobNodes.Count; i++)
        {
            if (top.Mapping(jobNodes[i], $"jobs[{i}]", JobKeys) is { } job)
            {
                jobs.Add(ReadJob(job));
            }
        }

        return new WorkflowDefinition
        {
            Id = id,
            Name = name,
            Description = top.String("description", nonEmpty: false) ?? string.Empty,
            Tags = ReadTags(top),
            Inputs = top.Get("inputs") is { } inputs ? ReadInputs(top, inputs) : null,
            Jobs = jobs,
            Version = top.Integer("version", 1) ?? 1,
            Concurrency = top.Integer("concurrency", 0),
            Driver = top.String("driver"),
            File = file,
        };
    }

    /// <summary>The spec's name rule: no "..", backslash or NUL; "/" only in the scoped form <c>@collective/name</c>.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            return "must not contain \"..\", a backslash or NUL";
        }

        if (!name.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = name.Split('/');
        var scoped = segments[0].StartsWith('@') && segments.Length >= 2
            && segments.Select((segment, index) => index == 0 ? segment[1..] : segment).All(segment => segment.Length > 0 && segment.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'));
        return scoped ? null : "may contain \"/\" only in the scoped form @collective/name (lowercase letters, digits, '_' and '-' in each segment)";
    }

    private static Dictionary<string, string> ReadTags(YamlMap top)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (top.Get("tags") is not { } node)
        {
            return tags;
        }

        if (node is not YamlMappingNode mapping)
        {
            top.Error(node, "tags", "must be a mapping of strings to strings");
            return tags;
        }

        foreach (var (key, value) in mapping.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && value is YamlScalarNode { Value: { } text })
            {
                tags[name] = text;
            }
            else
            {
                top.Error(key, "tags", "must be a mapping of strings to strings");
            }
        }

        return tags;
    }

    private static InputSchema? ReadInputs(YamlMap top, YamlNode node)
    {
        if (top.Mapping(node, "inputs", InputKeys) is not { } inputs)
        {
            return null;
        }

        if (inputs.String("type") is { } type && type != "object")
        {
            inputs.Error(inputs.Get("type")!, "inputs.type", "must be \"object\" when given");
        }

        var properties = new Dictionary<string, InputProperty>(StringComparer.Ordinal);
        if (inputs.Get("properties") is { } propertiesNode)
        {
            if (propertiesNode is not YamlMappingNode propertiesMap)
            {
                inputs.Error(propertiesNode, "inputs.properties", "must be a mapping from input names to their schemas");
            }
            else
            {
                foreach (var (key, value) in propertiesMap.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                    var path = $"inputs.properties.{name}";
                    if (inputs.Mapping(value, path, PropertyKeys) is { } property)
                    {
                        properties[name] = ReadProperty(property, path);
                    }
                }
            }
        }

        var required = new List<string>();
        foreach (var item in inputs.Sequence("required"))
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } name })
            {
                required.Add(name);
            }
            else
            {
                inputs.Error(item, "inputs.required", "must list input names");
            }
        }

        return new InputSchema
        {
            Properties = properties,
            Required = required,
            AdditionalProperties = inputs.Get("additionalProperties") is null || inputs.Boolean("additionalProperties"),
        };
    }

    private static InputProperty ReadProperty(YamlMap property, string path)
    {
        var type = property.String("type");
        if (type is not null && !InputProperty.Types.Contains(type))
        {
            property.Error(property.Get("type")!, $"{path}.type", $"must be one of {string.Join(", ", InputProperty.Types)}");
            type = null;
        }

        List<object?>? allowed = null;
        if (property.Get("enum") is { } enumNode)
        {
            if (enumNode is YamlSequenceNode { Children.Count: > 0 } sequence)
            {
                allowed = sequence.Children.Select(YamlMap.Value).ToList();
            }
            else
            {
                property.Error(enumNode, $"{path}.enum", "must be a non-empty list");
            }
        }

        var hasDefault = property.Node.Children.ContainsKey(new YamlScalarNode("default"));
        var value = property.Get("default") is { } defaultNode ? YamlMap.Value(defaultNode) : null;
        if (hasDefault && value is not null && type is not null && !InputSchema.IsOfType(value, type))
        {
            property.Error(property.Get("default")!, $"{path}.default", $"must be of type {type}, not {InputSchema.TypeOf(value)}");
        }

        return new InputProperty
        {
            Type = type,
            Description = property.String("description", nonEmpty: false) ?? string.Empty,
            Enum = allowed,
            HasDefault = hasDefault,
            Default = value,
        };
    }
}
