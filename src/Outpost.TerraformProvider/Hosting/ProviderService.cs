using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Protocol;
using Outpost.TerraformProvider.Resources;
using Outpost.TerraformProvider.Schema;

namespace Outpost.TerraformProvider.Hosting;

/// <summary>The <c>tfplugin6.Provider</c> service: schemas, validation, plan and apply of the Outpost resources.</summary>
internal sealed class ProviderService(ProviderCatalog catalog, ProviderEnvironment environment, ILogger<ProviderService> logger) : Protocol.Provider.ProviderBase
{
    public override Task<GetMetadata.Types.Response> GetMetadata(GetMetadata.Types.Request request, ServerCallContext context)
    {
        var response = new GetMetadata.Types.Response { ServerCapabilities = Capabilities() };
        response.Resources.AddRange(catalog.Resources.Keys.Select(name => new GetMetadata.Types.ResourceMetadata { TypeName = name }));
        response.DataSources.AddRange(catalog.DataSources.Keys.Select(name => new GetMetadata.Types.DataSourceMetadata { TypeName = name }));
        return Task.FromResult(response);
    }

    public override Task<GetProviderSchema.Types.Response> GetProviderSchema(GetProviderSchema.Types.Request request, ServerCallContext context)
    {
        var response = new GetProviderSchema.Types.Response
        {
            Provider = new Protocol.Schema { Block = ProviderCatalog.ProviderBlock.ToProto() },
            ServerCapabilities = Capabilities(),
        };
        foreach (var (name, resource) in catalog.Resources)
        {
            response.ResourceSchemas[name] = new Protocol.Schema { Block = resource.Schema.ToProto() };
        }

        foreach (var (name, source) in catalog.DataSources)
        {
            response.DataSourceSchemas[name] = new Protocol.Schema { Block = source.Schema.ToProto() };
        }

        return Task.FromResult(response);
    }

    public override Task<ValidateProviderConfig.Types.Response> ValidateProviderConfig(ValidateProviderConfig.Types.Request request, ServerCallContext context) =>
        Task.FromResult(new ValidateProviderConfig.Types.Response());

    public override Task<ConfigureProvider.Types.Response> ConfigureProvider(ConfigureProvider.Types.Request request, ServerCallContext context)
    {
        ProviderLog.Configured(logger, request.TerraformVersion);
        return Task.FromResult(new ConfigureProvider.Types.Response());
    }

    public override Task<ValidateResourceConfig.Types.Response> ValidateResourceConfig(ValidateResourceConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateResourceConfig.Types.Response();
        if (!catalog.Resources.TryGetValue(request.TypeName, out var resource))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
        }
        else if (Decode(request.Config, resource.Schema) is { } config)
        {
            response.Diagnostics.AddRange(resource.Validate(config));
        }

        return Task.FromResult(response);
    }

    public override Task<ValidateDataResourceConfig.Types.Response> ValidateDataResourceConfig(ValidateDataResourceConfig.Types.Request request, ServerCallContext context)
    {
        var response = new ValidateDataResourceConfig.Types.Response();
        if (!catalog.DataSources.TryGetValue(request.TypeName, out var source))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
        }
        else if (Decode(request.Config, source.Schema) is { } config)
        {
            response.Diagnostics.AddRange(source.Validate(config));
        }

        return Task.FromResult(response);
    }

    public override Task<UpgradeResourceState.Types.Response> UpgradeResourceState(UpgradeResourceState.Types.Request request, ServerCallContext context)
    {
        var response = new UpgradeResourceState.Types.Response();
        if (!catalog.Resources.TryGetValue(request.TypeName, out var resource))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
            return Task.FromResult(response);
        }

        var type = resource.Schema.ImpliedType();
        using var json = JsonDocument.Parse(request.RawState.Json.Memory);
        response.UpgradedState = Encode(CtyMsgpack.FromJson(json.RootElement, type), type);
        return Task.FromResult(response);
    }

    public override Task<ReadResource.Types.Response> ReadResource(ReadResource.Types.Request request, ServerCallContext context) =>
        // Nothing outside Terraform changes these resources: what was stored is what exists.
        Task.FromResult(new ReadResource.Types.Response { NewState = request.CurrentState, Private = request.Private });

    public override Task<PlanResourceChange.Types.Response> PlanResourceChange(PlanResourceChange.Types.Request request, ServerCallContext context)
    {
        var response = new PlanResourceChange.Types.Response();
        if (!catalog.Resources.TryGetValue(request.TypeName, out var resource))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
            return Task.FromResult(response);
        }

        var type = resource.Schema.ImpliedType();
        var proposed = Decode(request.ProposedNewState, resource.Schema);
        if (proposed is null)
        {
            // Destroy: nothing to plan.
            response.PlannedState = request.ProposedNewState;
            return Task.FromResult(response);
        }

        response.Diagnostics.AddRange(resource.Validate(proposed));
        var prior = Decode(request.PriorState, resource.Schema);
        var planned = ObjectValue.Copy(proposed);
        resource.ApplyDefaults(planned, environment);
        foreach (var attribute in resource.Schema.Attributes.Where(attribute => attribute.Mode == AttributeMode.Computed))
        {
            if (prior is null && planned[attribute.Name] is null)
            {
                planned[attribute.Name] = Unknown.Value;
            }
        }

        if (prior is not null)
        {
            foreach (var attribute in resource.Schema.Attributes.Where(attribute => attribute.Mode != AttributeMode.Computed && resource.RequiresReplace(attribute.Name)))
            {
                if (!ValueEquals(prior.GetValueOrDefault(attribute.Name), planned.GetValueOrDefault(attribute.Name)))
                {
                    response.RequiresReplace.Add(new AttributePath { Steps = { new AttributePath.Types.Step { AttributeName = attribute.Name } } });
                }
            }
        }

        response.PlannedState = Encode(planned, type);
        return Task.FromResult(response);
    }

    public override Task<ApplyResourceChange.Types.Response> ApplyResourceChange(ApplyResourceChange.Types.Request request, ServerCallContext context)
    {
        var response = new ApplyResourceChange.Types.Response();
        if (!catalog.Resources.TryGetValue(request.TypeName, out var resource))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
            return Task.FromResult(response);
        }

        var type = resource.Schema.ImpliedType();
        var planned = Decode(request.PlannedState, resource.Schema);
        if (planned is null)
        {
            // Destroyed: these resources only exist in the state.
            response.NewState = Encode(null, type);
            return Task.FromResult(response);
        }

        var state = ObjectValue.Copy(planned);
        if (Decode(request.PriorState, resource.Schema) is null)
        {
            resource.Create(state, environment);
        }

        foreach (var (name, value) in state.ToList())
        {
            if (value is Unknown)
            {
                state[name] = null;
            }
        }

        ProviderLog.Applied(logger, request.TypeName);
        response.NewState = Encode(state, type);
        return Task.FromResult(response);
    }

    public override Task<ImportResourceState.Types.Response> ImportResourceState(ImportResourceState.Types.Request request, ServerCallContext context)
    {
        var response = new ImportResourceState.Types.Response();
        response.Diagnostics.Add(Diagnostics.Error("import is not supported", $"{request.TypeName} resources exist only in Terraform's state; declare them instead"));
        return Task.FromResult(response);
    }

    public override Task<ReadDataSource.Types.Response> ReadDataSource(ReadDataSource.Types.Request request, ServerCallContext context)
    {
        var response = new ReadDataSource.Types.Response();
        if (!catalog.DataSources.TryGetValue(request.TypeName, out var source))
        {
            response.Diagnostics.Add(UnknownType(request.TypeName));
            return Task.FromResult(response);
        }

        var state = ObjectValue.Copy(Decode(request.Config, source.Schema) ?? ObjectValue.New());
        var problems = source.Read(state, environment).ToList();
        response.Diagnostics.AddRange(problems);
        if (problems.Count == 0)
        {
            response.State = Encode(state, source.Schema.ImpliedType());
        }

        return Task.FromResult(response);
    }

    public override Task<StopProvider.Types.Response> StopProvider(StopProvider.Types.Request request, ServerCallContext context) =>
        Task.FromResult(new StopProvider.Types.Response());

    private static ServerCapabilities Capabilities() => new() { PlanDestroy = true, GetProviderSchemaOptional = false };

    private static Diagnostic UnknownType(string typeName) =>
        Diagnostics.Error("unknown type", $"the Outpost provider has no resource or data source \"{typeName}\"");

    private static SortedDictionary<string, object?>? Decode(DynamicValue? value, SchemaBlock schema)
    {
        if (value is null)
        {
            return null;
        }

        var type = schema.ImpliedType();
        var decoded = value.Msgpack.Length > 0
            ? CtyMsgpack.Decode(value.Msgpack.Memory, type)
            : value.Json.Length > 0 ? FromJson(value.Json, type) : null;
        return decoded as SortedDictionary<string, object?>;
    }

    private static object? FromJson(ByteString json, CtyType type)
    {
        using var document = JsonDocument.Parse(json.Memory);
        return CtyMsgpack.FromJson(document.RootElement, type);
    }

    private static DynamicValue Encode(object? value, CtyType type) => new() { Msgpack = ByteString.CopyFrom(CtyMsgpack.Encode(value, type)) };

    private static bool ValueEquals(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (IReadOnlyDictionary<string, object?> a, IReadOnlyDictionary<string, object?> b) =>
            a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && ValueEquals(pair.Value, other)),
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(pair => ValueEquals(pair.First, pair.Second)),
        _ => Equals(left, right),
    };
}
