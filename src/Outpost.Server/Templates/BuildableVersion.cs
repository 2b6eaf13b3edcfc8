using Outpost.Provisioner.Templates;
using Outpost.Sdk.Provisioning;

namespace Outpost.Server.Templates;

/// <summary>What a build needs to know about the template version it builds (<see cref="TemplateStore.GetBuildableVersionAsync"/>).</summary>
internal sealed record BuildableVersion(
    Guid Id, string Name, Guid TemplateId, string TemplateName, string Provisioner, string FileHash,
    ProvisionerJobStatus ImportStatus, IReadOnlyList<TemplateVersionParameter> Parameters)
{
    /// <summary>The parameters in the resolver's terms.</summary>
    public IReadOnlyList<TemplateParameter> ResolverParameters() =>
    [
        .. Parameters.Select(p => new TemplateParameter
        {
            Name = p.Name,
            Type = p.Type switch
            {
                "number" => ParameterType.Number,
                "bool" => ParameterType.Bool,
                _ => ParameterType.String,
            },
            Default = p.DefaultValue,
            Description = p.Description,
            Options = p.Options,
            Mutable = p.Mutable,
        }),
    ];
}
