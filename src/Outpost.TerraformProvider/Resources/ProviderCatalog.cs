using Outpost.TerraformProvider.Schema;

namespace Outpost.TerraformProvider.Resources;

/// <summary>Every resource and data source the Outpost provider serves, by type name.</summary>
internal sealed class ProviderCatalog
{
    /// <summary>The provider's own configuration block: it takes none.</summary>
    public static readonly SchemaBlock ProviderBlock = new("The Outpost provider. It takes no configuration: the provisioner passes everything through the environment.", []);

    public ProviderCatalog()
    {
        Resources = new ProviderResource[] { new AgentResource(), new AgentInstanceResource(), new EnvResource(), new ScriptResource(), new AppResource(), new AiTaskResource() }
            .ToDictionary(resource => resource.TypeName, StringComparer.Ordinal);
        DataSources = new ProviderDataSource[]
            {
                new ParameterDataSource(), new WorkspaceDataSource(), new WorkspaceOwnerDataSource(), new WorkspacePresetDataSource(), new SecretDataSource(),
            }
            .ToDictionary(source => source.TypeName, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, ProviderResource> Resources { get; }

    public IReadOnlyDictionary<string, ProviderDataSource> DataSources { get; }
}
