using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Protocol;
using Outpost.TerraformProvider.Schema;

namespace Outpost.TerraformProvider.Resources;

/// <summary>A managed resource type: its schema, its validation, and how it plans and creates values.</summary>
internal abstract class ProviderResource
{
    public abstract string TypeName { get; }

    public abstract SchemaBlock Schema { get; }

    /// <summary>Attributes whose change replaces the resource (all configurable ones unless overridden).</summary>
    public virtual bool RequiresReplace(string attribute) => true;

    /// <summary>Problems with a configuration; unknown values are skipped (checked again at plan).</summary>
    public virtual IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config) => [];

    /// <summary>Defaults for optional computed attributes the template left out, known at plan time.</summary>
    public virtual void ApplyDefaults(SortedDictionary<string, object?> planned, ProviderEnvironment environment)
    {
    }

    /// <summary>The values the provider chooses when the resource is created (the computed ones still unknown in the plan).</summary>
    public virtual void Create(SortedDictionary<string, object?> state, ProviderEnvironment environment)
    {
        if (state.GetValueOrDefault("id") is Unknown or null)
        {
            state["id"] = Guid.NewGuid().ToString("D");
        }
    }
}

/// <summary>A data source type: its schema, its validation and how it reads.</summary>
internal abstract class ProviderDataSource
{
    public abstract string TypeName { get; }

    public abstract SchemaBlock Schema { get; }

    public virtual IEnumerable<Diagnostic> Validate(IReadOnlyDictionary<string, object?> config) => [];

    /// <summary>The state: the config with its computed attributes filled in, or the errors.</summary>
    public abstract IEnumerable<Diagnostic> Read(SortedDictionary<string, object?> state, ProviderEnvironment environment);
}

/// <summary>Building diagnostics.</summary>
internal static class Diagnostics
{
    public static Diagnostic Error(string summary, string detail, params string[] path)
    {
        var diagnostic = new Diagnostic { Severity = Diagnostic.Types.Severity.Error, Summary = summary, Detail = detail };
        if (path.Length > 0)
        {
            diagnostic.Attribute = new AttributePath();
            foreach (var step in path)
            {
                diagnostic.Attribute.Steps.Add(new AttributePath.Types.Step { AttributeName = step });
            }
        }

        return diagnostic;
    }

    /// <summary>An error when a known string attribute is not one of <paramref name="allowed"/>.</summary>
    public static IEnumerable<Diagnostic> OneOf(IReadOnlyDictionary<string, object?> config, string attribute, params string[] allowed)
    {
        if (config.String(attribute) is { } value && !allowed.Contains(value, StringComparer.Ordinal))
        {
            yield return Error($"invalid {attribute}", $"{attribute} must be one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}, not \"{value}\"", attribute);
        }
    }
}
