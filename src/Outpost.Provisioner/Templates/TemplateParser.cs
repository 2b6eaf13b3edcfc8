using System.Text.RegularExpressions;
using Outpost.Sdk;
using Outpost.Sdk.Parameters;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Provisioner.Templates;

/// <summary>
/// Reads <c>outpost.yaml</c> into a <see cref="TemplateDefinition"/>, reporting every problem at once
/// with its line and column. Parameter references such as <c>${OUTPOST_PARAM_X}</c> are left alone:
/// the shell expands them from the environment the agent is started with.
/// </summary>
internal static partial class TemplateParser
{
    public const string FileName = "outpost.yaml";

    private const int MaxNameLength = 64;

    private static readonly string[] TemplateKeys = ["name", "description", "parameters", "agents", "env", "presets", "task"];
    private static readonly string[] TaskKeys = ["agent", "model_url", "model", "api_key_env"];
    private static readonly string[] ParameterKeys = ["name", "type", "default", "description", "options", "mutable"];

    public static TemplateParseResult Parse(string yaml, string fileName = FileName)
    {
        ArgumentNullException.ThrowIfNull(yaml);

        var errors = new TemplateErrorList(fileName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add(ex.Start, YamlMessage(ex));
            return TemplateParseResult.Failed([.. errors.Errors]);
        }

        if (stream.Documents.Count == 0
            || stream.Documents[0].RootNode is YamlScalarNode root && YamlFields.IsNull(root))
        {
            return TemplateParseResult.Failed(new TemplateError(fileName, 1, 1, "the file is empty; a template needs at least one agent"));
        }

        if (stream.Documents.Count > 1)
        {
            errors.Add(stream.Documents[1].RootNode, "the file holds more than one YAML document; a template is one mapping");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode top)
        {
            errors.Add(stream.Documents[0].RootNode, "the template must be a mapping with keys such as \"agents\" and \"parameters\"");
            return TemplateParseResult.Failed([.. errors.Errors]);
        }

        var definition = ReadTemplate(new YamlFields(top, "the template", TemplateKeys, errors), errors);
        return errors.Count == 0
            ? new TemplateParseResult { Definition = definition }
            : TemplateParseResult.Failed([.. errors.Errors]);
    }

    private static TemplateDefinition ReadTemplate(YamlFields fields, TemplateErrorList errors)
    {
        var name = fields.String("name");
        if (name is not null && (name.Length == 0 || name.Length > MaxNameLength))
        {
            errors.Add(fields.MarkOf("name"), $"\"name\" of the template must be 1 to {MaxNameLength} characters");
        }

        var parameters = ReadParameters(fields.Sequence("parameters"), errors);
        var agents = ReadAgents(fields, errors);
        var env = ReadExtraEnvs(fields.Sequence("env"), agents, errors);
        var presets = ReadPresets(fields.Sequence("presets"), parameters, errors);
        var task = ReadTask(fields, agents, errors);
        return new TemplateDefinition
        {
            Presets = presets,
            Name = name,
            Description = fields.String("description"),
            Parameters = parameters,
            Agents = agents,
            Env = env,
            Task = task,
        };
    }

    /// <summary>
    /// <c>task: {agent: name, model_url: …, model: …, api_key_env: …}</c> makes the template able to run AI
    /// tasks (docs/tasks.md). With one agent, <c>agent</c> may be left out.
    /// </summary>
    private static TemplateTask? ReadTask(YamlFields template, List<TemplateAgent> agents, TemplateErrorList errors)
    {
        if (template.Mapping("task") is not { } mapping)
        {
            return null;
        }

        var fields = new YamlFields(mapping, "\"task\"", TaskKeys, errors);
        var names = agents.Select(agent => agent.Name).ToList();
        var agent = fields.String("agent");
        if (agent is null && names.Count > 1)
        {
            errors.Add(fields.Start, $"\"task\" needs an \"agent\" because the template has more than one agent: one of {string.Join(", ", names)}");
        }
        else if (agent is not null && agents.Count > 0 && !names.Contains(agent))
        {
            errors.Add(fields.MarkOf("agent"), $"\"task\" names agent \"{agent}\", which the template does not declare{NameSuggestions.DidYouMean(agent, names)}");
            agent = null;
        }
        else
        {
            agent ??= names.Count == 1 ? names[0] : null;
        }

        var modelUrl = fields.String("model_url");
        if (modelUrl is not null
            && !(Uri.TryCreate(modelUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add(fields.MarkOf("model_url"), $"\"model_url\" of \"task\" must be an absolute http or https URL, such as https://api.openai.com/v1, not \"{modelUrl}\"");
        }

        var apiKeyEnv = fields.String("api_key_env");
        if (apiKeyEnv is not null && !EnvName(fields.MarkOf("api_key_env"), apiKeyEnv, "\"api_key_env\" of \"task\"", errors))
        {
            apiKeyEnv = null;
        }

        return agent is null ? null : new TemplateTask { Agent = agent, ModelUrl = modelUrl, Model = fields.String("model"), ApiKeyEnv = apiKeyEnv };
    }

    private static List<TemplateParameter> ReadParameters(YamlSequenceNode? sequence, TemplateErrorList errors)
    {
        var parameters = new List<TemplateParameter>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (item, index) in Items(sequence, "parameters", errors))
        {
            var name = YamlFields.Peek(item, "name");
            var fields = new YamlFields(item, name is null ? $"parameter {index + 1}" : $"parameter \"{name}\"", ParameterKeys, errors);
            name = fields.RequiredString("name");
            if (name is not null && !NameRules.IsParameterName(name))
            {
                errors.Add(fields.MarkOf("name"), $"parameter name \"{name}\" must be lowercase letters, digits and underscores, start with a letter, and be at most {NameRules.MaxTemplateItemName} characters");
            }
            else if (name is not null && !Unique(seen, name, item, errors, $"parameter \"{name}\""))
            {
                name = null;
            }

            var type = ParameterType.String;
            var typeName = fields.String("type");
            if (typeName is not null && !WireName<ParameterType>.TryParse(typeName, out type))
            {
                errors.Add(fields.MarkOf("type"), $"\"type\" of {fields.Where} must be one of {string.Join(", ", WireName<ParameterType>.All)}, not \"{typeName}\"");
            }

            var options = ReadOptions(fields, type, errors);
            var defaultValue = fields.String("default");
            if (defaultValue is not null)
            {
                var problem = ParameterValueCheck.Check(type, options, defaultValue, out var normalized);
                if (problem is not null)
                {
                    errors.Add(fields.MarkOf("default"), $"the default of {fields.Where} is invalid: {problem}");
                }

                defaultValue = normalized;
            }

            if (name is not null)
            {
                parameters.Add(new TemplateParameter
                {
                    Name = name,
                    Type = type,
                    Default = defaultValue,
                    Description = fields.String("description"),
                    Options = options,
                    Mutable = fields.Bool("mutable") ?? true,
                });
            }
        }

        return parameters;
    }

    private static List<string> ReadOptions(YamlFields fields, ParameterType type, TemplateErrorList errors)
    {
        var options = new List<string>();
        var sequence = fields.Sequence("options");
        if (sequence is null)
        {
            return options;
        }

        if (sequence.Children.Count == 0)
        {
            errors.Add(sequence, $"\"options\" of {fields.Where} is empty; leave it out to allow any value");
        }

        foreach (var node in sequence.Children)
        {
            if (node is not YamlScalarNode { Value: { } option } || YamlFields.IsNull((YamlScalarNode)node))
            {
                errors.Add(node, $"each option of {fields.Where} must be a single value");
            }
            else if (ParameterValueCheck.Check(type, [], option, out var normalized) is { } problem)
            {
                errors.Add(node, $"an option of {fields.Where} is invalid: {problem}");
            }
            else if (options.Any(existing => ParameterValueCheck.SameValue(type, existing, normalized)))
            {
                errors.Add(node, $"option \"{option}\" of {fields.Where} is listed twice");
            }
            else
            {
                options.Add(normalized);
            }
        }

        return options;
    }

    /// <summary>The mappings of a list, reporting entries that are not mappings.</summary>
    private static IEnumerable<(YamlMappingNode Item, int Index)> Items(YamlSequenceNode? sequence, string key, TemplateErrorList errors)
    {
        if (sequence is null)
        {
            yield break;
        }

        for (var index = 0; index < sequence.Children.Count; index++)
        {
            if (sequence.Children[index] is YamlMappingNode item)
            {
                yield return (item, index);
            }
            else
            {
                errors.Add(sequence.Children[index], $"each entry of \"{key}\" must be a mapping, not a {YamlFields.Describe(sequence.Children[index])}");
            }
        }
    }

    private static bool Unique(Dictionary<string, YamlNode> seen, string name, YamlNode item, TemplateErrorList errors, string what)
    {
        if (seen.TryGetValue(name, out var first))
        {
            errors.Add(item, $"{what} is declared twice (first at line {first.Start.Line})");
            return false;
        }

        seen[name] = item;
        return true;
    }

    // YamlDotNet prefixes its messages with the marks; we report those as file:line:column instead.
    private static string YamlMessage(YamlException ex)
    {
        var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
        var marks = MarkPrefix().Match(message);
        var text = marks.Success ? message[marks.Length..] : message;
        return $"invalid YAML: {text.Trim()}";
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):", RegexOptions.CultureInvariant)]
    private static partial Regex MarkPrefix();
}
