using Outpost.Provisioner.Environment;
using Outpost.Sdk;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Provisioner.Templates;

internal static partial class TemplateParser
{
    private static readonly string[] AgentKeys =
    [
        "name", "directory", "os", "env", "startup_script", "startup_script_timeout",
        "shutdown_script", "shutdown_script_timeout", "apps", "secrets",
    ];

    private static readonly string[] AppKeys = ["slug", "display_name", "url"];
    private static readonly string[] ExtraEnvKeys = ["agent", "name", "value", "merge_strategy"];
    private static readonly string[] OperatingSystems = ["linux", "darwin"];

    private static List<TemplateAgent> ReadAgents(YamlFields template, TemplateErrorList errors)
    {
        var agents = new List<TemplateAgent>();
        var sequence = template.Sequence("agents");
        if (sequence is null || sequence.Children.Count == 0)
        {
            errors.Add(sequence?.Start ?? template.Start, "the template declares no agents; it needs at least one under \"agents\"");
            return agents;
        }

        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (item, index) in Items(sequence, "agents", errors))
        {
            var peeked = YamlFields.Peek(item, "name");
            var fields = new YamlFields(item, peeked is null ? $"agent {index + 1}" : $"agent \"{peeked}\"", AgentKeys, errors);
            var name = Label(fields, "name", "agent name", errors);
            if (name is not null && !Unique(seen, name, item, errors, $"agent \"{name}\""))
            {
                name = null;
            }

            var agent = new TemplateAgent
            {
                Name = name ?? "",
                Directory = Directory(fields, errors),
                Os = OneOf(fields, "os", OperatingSystems, errors),
                Env = ReadAgentEnv(fields, errors),
                StartupScript = Script(fields, "startup_script"),
                StartupScriptTimeout = Timeout(fields, "startup_script_timeout", errors),
                ShutdownScript = Script(fields, "shutdown_script"),
                ShutdownScriptTimeout = Timeout(fields, "shutdown_script_timeout", errors),
                Apps = ReadApps(fields, errors),
                Secrets = ReadAgentSecrets(fields, errors),
            };
            if (name is not null)
            {
                agents.Add(agent);
            }
        }

        return agents;
    }

    private static string? Directory(YamlFields fields, TemplateErrorList errors)
    {
        var directory = fields.String("directory");
        if (directory is null)
        {
            return null;
        }

        // A relative directory is joined to the workspace directory; ".." would walk out of it.
        // "~user" forms are refused: only the agent's own home is known where the agent runs.
        var home = directory == "~" || directory.StartsWith("~/", StringComparison.Ordinal);
        var relative = !directory.StartsWith('/') && !home;
        if (directory.Length == 0 || directory.Contains('\0', StringComparison.Ordinal)
            || (relative && (directory.StartsWith('~') || directory.Split('/').Contains(".."))))
        {
            errors.Add(fields.MarkOf("directory"), $"\"directory\" of {fields.Where} must be absolute, ~ or start with ~/, or stay inside the workspace directory; \"{directory}\" does not");
            return null;
        }

        return directory;
    }

    private static Dictionary<string, string> ReadAgentEnv(YamlFields fields, TemplateErrorList errors)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var mapping = fields.Mapping("env");
        if (mapping is null)
        {
            return env;
        }

        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || !EnvName(key, name, $"env of {fields.Where}", errors))
            {
                continue;
            }

            if (value is not YamlScalarNode scalar)
            {
                errors.Add(value, $"env \"{name}\" of {fields.Where} must be a single value, not a {YamlFields.Describe(value)}");
                continue;
            }

            // "FOO:" with nothing after it reads as YAML null; an author writing that means empty.
            env[name] = YamlFields.IsNull(scalar) ? "" : scalar.Value ?? "";
        }

        return env;
    }

    private static List<TemplateApp> ReadApps(YamlFields agent, TemplateErrorList errors)
    {
        var apps = new List<TemplateApp>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (item, index) in Items(agent.Sequence("apps"), "apps", errors))
        {
            var peeked = YamlFields.Peek(item, "slug");
            var app = peeked is null ? $"app {index + 1}" : $"app \"{peeked}\"";
            var fields = new YamlFields(item, $"{app} of {agent.Where}", AppKeys, errors);
            var slug = Label(fields, "slug", "app slug", errors);
            if (slug is not null && !Unique(seen, slug, item, errors, $"app \"{slug}\" of {agent.Where}"))
            {
                slug = null;
            }

            var url = fields.RequiredString("url");
            if (url is not null
                && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            {
                errors.Add(fields.MarkOf("url"), $"\"url\" of {fields.Where} must be an absolute http or https URL, not \"{url}\"");
                url = null;
            }

            if (slug is not null && url is not null)
            {
                apps.Add(new TemplateApp { Slug = slug, DisplayName = fields.String("display_name") ?? slug, Url = url });
            }
        }

        return apps;
    }

    private static List<TemplateExtraEnv> ReadExtraEnvs(YamlSequenceNode? sequence, List<TemplateAgent> agents, TemplateErrorList errors)
    {
        var entries = new List<TemplateExtraEnv>();
        var agentNames = agents.Select(agent => agent.Name).ToList();
        foreach (var (item, index) in Items(sequence, "env", errors))
        {
            var peeked = YamlFields.Peek(item, "name");
            var fields = new YamlFields(item, peeked is null ? $"env entry {index + 1}" : $"env entry \"{peeked}\"", ExtraEnvKeys, errors);
            var name = fields.RequiredString("name");
            if (name is not null && !EnvName(fields.MarkOf("name"), name, fields.Where, errors))
            {
                name = null;
            }

            var agent = fields.String("agent");
            if (agent is null && agentNames.Count > 1)
            {
                errors.Add(fields.Start, $"{fields.Where} needs an \"agent\" because the template has more than one agent");
            }
            else if (agent is not null && agents.Count > 0 && !agentNames.Contains(agent))
            {
                errors.Add(fields.MarkOf("agent"), $"{fields.Where} names agent \"{agent}\", which the template does not declare{NameSuggestions.DidYouMean(agent, agentNames)}");
                agent = null;
            }

            // Present but null ("value:") reads as empty, like an agent's own env.
            var value = fields.Has("value") ? fields.String("value") ?? "" : null;
            if (value is null)
            {
                errors.Add(fields.Start, $"{fields.Where} needs a \"value\" (use \"\" for an empty one)");
            }

            var strategy = OneOf(fields, "merge_strategy", ExtraEnv.KnownStrategies, errors) ?? ExtraEnv.Replace;
            agent ??= agentNames.Count == 1 ? agentNames[0] : null;
            if (name is not null && agent is not null && value is not null)
            {
                entries.Add(new TemplateExtraEnv { Agent = agent, Name = name, Value = value, MergeStrategy = strategy });
            }
        }

        return entries;
    }

    private static string? Label(YamlFields fields, string key, string what, TemplateErrorList errors)
    {
        var value = fields.RequiredString(key);
        if (value is not null && !NameRules.IsLabel(value))
        {
            errors.Add(fields.MarkOf(key), $"{what} \"{value}\" must be lowercase letters, digits and single hyphens, start and end with a letter or digit, and be at most {NameRules.MaxLabelLength} characters");
            return null;
        }

        return value;
    }

    private static string? OneOf(YamlFields fields, string key, IReadOnlyList<string> allowed, TemplateErrorList errors)
    {
        var value = fields.String(key);
        if (value is not null && !allowed.Contains(value))
        {
            errors.Add(fields.MarkOf(key), $"\"{key}\" of {fields.Where} must be one of {string.Join(", ", allowed)}, not \"{value}\"{NameSuggestions.DidYouMean(value, allowed)}");
            return null;
        }

        return value;
    }

    private static string? Script(YamlFields fields, string key) =>
        fields.String(key) is { Length: > 0 } script && !string.IsNullOrWhiteSpace(script) ? script : null;

    private static TimeSpan Timeout(YamlFields fields, string key, TemplateErrorList errors)
    {
        var text = fields.String(key);
        if (text is null)
        {
            return TemplateAgent.DefaultScriptTimeout;
        }

        if (Durations.TryParse(text, out var timeout))
        {
            return timeout;
        }

        errors.Add(fields.MarkOf(key), $"\"{key}\" of {fields.Where} must be a duration such as 30s, 5m or 1h (at most 24h; 0 for none), not \"{text}\"");
        return TemplateAgent.DefaultScriptTimeout;
    }

    private static bool EnvName(YamlNode at, string name, string where, TemplateErrorList errors) =>
        EnvName(at.Start, name, where, errors);

    private static bool EnvName(Mark at, string name, string where, TemplateErrorList errors)
    {
        if (!NameRules.IsEnvName(name))
        {
            errors.Add(at, $"\"{name}\" in {where} is not a valid environment variable name (letters, digits and _, not starting with a digit)");
            return false;
        }

        if (NameRules.IsReservedEnvName(name))
        {
            errors.Add(at, $"\"{name}\" in {where} is reserved: variables starting with {NameRules.ReservedEnvPrefix} are set by Outpost");
            return false;
        }

        return true;
    }
}
