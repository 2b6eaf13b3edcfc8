using System.Globalization;
using Outpost.Sdk.Provisioning;
using YamlDotNet.RepresentationModel;

namespace Outpost.Provisioner.Templates;

internal static partial class TemplateParser
{
    private static readonly string[] PresetKeys = ["name", "description", "default", "parameters", "prebuilds"];
    private static readonly string[] PrebuildKeys = ["instances"];

    /// <summary>The most prebuilt workspaces one preset may ask for.</summary>
    public const int MaxPrebuildInstances = 100;

    /// <summary>
    /// <c>presets</c>: each a unique <c>name</c>, an optional <c>description</c> and <c>default</c>,
    /// <c>parameters</c> (values for declared parameters only, checked against their type and
    /// options) and <c>prebuilds: { instances: N }</c>, the ready workspaces to keep (docs/prebuilds.md).
    /// </summary>
    private static List<TemplateVersionPreset> ReadPresets(YamlSequenceNode? sequence, IReadOnlyList<TemplateParameter> parameters, TemplateErrorList errors)
    {
        var presets = new List<TemplateVersionPreset>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (item, index) in Items(sequence, "presets", errors))
        {
            var peeked = YamlFields.Peek(item, "name");
            var fields = new YamlFields(item, peeked is null ? $"preset {index + 1}" : $"preset \"{peeked}\"", PresetKeys, errors);
            var name = fields.RequiredString("name");
            if (name is not null && (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl)))
            {
                errors.Add(fields.MarkOf("name"), $"preset name \"{name}\" must be 1 to {MaxNameLength} printable characters");
                name = null;
            }
            else if (name is not null && !Unique(seen, name, item, errors, $"preset \"{name}\""))
            {
                name = null;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (fields.Mapping("parameters") is { } mapping)
            {
                var valueFields = new YamlFields(mapping, $"the parameters of {fields.Where}", [.. parameters.Select(p => p.Name)], errors);
                foreach (var parameter in parameters)
                {
                    if (valueFields.String(parameter.Name) is not { } value)
                    {
                        continue;
                    }

                    if (parameter.Options.Count > 0 && !parameter.Options.Contains(value))
                    {
                        errors.Add(valueFields.MarkOf(parameter.Name), $"{fields.Where} sets parameter \"{parameter.Name}\" to \"{value}\", which is not one of its options ({string.Join(", ", parameter.Options)})");
                        continue;
                    }

                    values[parameter.Name] = value;
                }
            }

            var prebuilds = ReadPrebuilds(fields, errors);
            if (name is not null)
            {
                presets.Add(new TemplateVersionPreset
                {
                    Name = name,
                    Description = fields.String("description") ?? string.Empty,
                    Default = fields.Bool("default") ?? false,
                    Parameters = values,
                    Prebuilds = prebuilds,
                });
            }
        }

        var defaults = presets.Where(p => p.Default).Select(p => $"\"{p.Name}\"").ToList();
        if (defaults.Count > 1 && sequence is not null)
        {
            errors.Add(sequence, $"only one preset may be the default, not {string.Join(" and ", defaults)}");
        }

        return presets;
    }

    private static PresetPrebuilds? ReadPrebuilds(YamlFields preset, TemplateErrorList errors)
    {
        if (preset.Mapping("prebuilds") is not { } mapping)
        {
            return null;
        }

        var fields = new YamlFields(mapping, $"the prebuilds of {preset.Where}", PrebuildKeys, errors);
        var text = fields.RequiredString("instances");
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var instances) || instances > MaxPrebuildInstances)
        {
            errors.Add(fields.MarkOf("instances"), $"\"instances\" of {fields.Where} must be a whole number from 0 to {MaxPrebuildInstances}, not \"{text}\"");
            return null;
        }

        return new PresetPrebuilds { Instances = instances };
    }
}
