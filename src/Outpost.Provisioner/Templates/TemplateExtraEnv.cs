using Outpost.Provisioner.Environment;

namespace Outpost.Provisioner.Templates;

/// <summary>A top-level <c>env</c> entry: one variable for one agent, merged by its strategy.</summary>
internal sealed record TemplateExtraEnv
{
    public required string Agent { get; init; }

    public required string Name { get; init; }

    public required string Value { get; init; }

    public string MergeStrategy { get; init; } = ExtraEnv.Replace;

    public ExtraEnv ToExtraEnv() => new(Name, Value, MergeStrategy);
}
