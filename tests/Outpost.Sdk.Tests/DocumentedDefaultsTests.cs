using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk.Tests;

/// <summary>Every optional member of every wire type gets its documented default when the JSON omits it.</summary>
public sealed class DocumentedDefaultsTests
{
    public static TheoryData<string> WireTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in ObjectTypes())
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WireTypes))]
    public void Each_omitted_optional_member_gets_its_initializer(string typeName)
    {
        var type = ObjectTypes().Single(t => t.FullName == typeName);
        var info = OutpostJson.Options.GetTypeInfo(type);
        var prototype = Activator.CreateInstance(type)!;
        var optional = info.Properties.Where(p => !p.IsRequired && p.Get is not null).ToList();

        // Omitting all optional members at once, and then each one alone with the others present.
        AssertDefaults(info, prototype, Minimal(type, omit: null), optional);
        foreach (var property in optional)
        {
            AssertDefaults(info, prototype, Minimal(type, omit: property.Name, includeOptional: true), [property]);
        }
    }

    [Fact]
    public void The_defaults_the_issue_names_apply()
    {
        var template = JsonSerializer.Deserialize<CreateTemplateRequest>("""{"name":"t"}""", OutpostJson.Options)!;
        var acquire = JsonSerializer.Deserialize<AcquireJobRequest>("""{"daemon_name":"d","provisioners":["local"]}""", OutpostJson.Options)!;
        var workspace = JsonSerializer.Deserialize<CreateWorkspaceRequest>("""{"name":"w","template_name":"t"}""", OutpostJson.Options)!;
        var build = JsonSerializer.Deserialize<CreateWorkspaceBuildRequest>("""{"transition":"stop"}""", OutpostJson.Options)!;

        Assert.Equal((string.Empty, "local"), (template.Description, template.Provisioner));
        Assert.Equal(10, acquire.WaitSeconds);
        Assert.Empty(workspace.Parameters);
        Assert.Equal((WorkspaceTransition.Stop, BuildReason.Initiator), (build.Transition, build.Reason));
        Assert.Empty(build.Parameters);
    }

    [Fact]
    public void A_missing_required_member_is_still_refused() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CreateTemplateRequest>("""{"description":"d"}""", OutpostJson.Options));

    [Fact]
    public void An_enum_given_as_a_number_is_refused() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CreateWorkspaceBuildRequest>("""{"transition":1}""", OutpostJson.Options));

    [Fact]
    public void Only_types_whose_initializers_would_be_lost_leave_source_generation()
    {
        Assert.True(DocumentedDefaultsResolver.LosesDefaults(OutpostJsonContext.Default.CreateTemplateRequest));
        Assert.False(DocumentedDefaultsResolver.LosesDefaults(OutpostJsonContext.Default.ParameterValue));
        Assert.Same(OutpostJsonContext.Default, OutpostJson.Options.GetTypeInfo(typeof(ParameterValue)).OriginatingResolver);
    }

    private static void AssertDefaults(JsonTypeInfo info, object prototype, JsonObject json, IEnumerable<JsonPropertyInfo> properties)
    {
        var value = json.Deserialize(info.Type, OutpostJson.Options)!;
        foreach (var property in properties)
        {
            var expected = property.Get!(prototype);
            var actual = property.Get!(value);
            if (expected is IEnumerable sequence and not string)
            {
                Assert.True(actual is IEnumerable got && got.Cast<object>().SequenceEqual(sequence.Cast<object>()),
                    $"{info.Type.Name}.{property.Name}: expected its initializer when omitted from {json.ToJsonString()}");
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{info.Type.Name}.{property.Name}: expected {expected ?? "null"}, got {actual ?? "null"} from {json.ToJsonString()}");
            }
        }
    }

    /// <summary>A JSON object with a plausible value for every required member, and for every optional one except <paramref name="omit"/> when asked.</summary>
    private static JsonObject Minimal(Type type, string? omit, bool includeOptional = false)
    {
        var json = new JsonObject();
        foreach (var property in OutpostJson.Options.GetTypeInfo(type).Properties)
        {
            if (property.IsRequired || (includeOptional && property.Name != omit))
            {
                json[property.Name] = Sample(property.PropertyType);
            }
        }

        return json;
    }

    private static JsonNode? Sample(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(string) => "x",
            _ when underlying == typeof(Guid) => Guid.NewGuid().ToString(),
            _ when underlying == typeof(int) || underlying == typeof(long) => 1,
            _ when underlying == typeof(double) => 1.5,
            _ when underlying == typeof(bool) => true,
            _ when underlying == typeof(DateTimeOffset) => "2026-01-01T00:00:00Z",
            _ when underlying == typeof(TimeSpan) => "00:00:01",
            _ when underlying == typeof(byte[]) => "",
            _ when underlying == typeof(Uri) => "http://127.0.0.1:3000/",
            _ when underlying.IsEnum => JsonNamingPolicy.SnakeCaseLower.ConvertName(Enum.GetNames(underlying)[0]),
            _ when underlying.IsGenericType && underlying.GetGenericTypeDefinition() is var generic
                && (generic == typeof(Dictionary<,>) || generic == typeof(IReadOnlyDictionary<,>) || generic == typeof(IDictionary<,>)) => new JsonObject(),
            _ when typeof(IEnumerable).IsAssignableFrom(underlying) => new JsonArray(),
            _ => Minimal(underlying, omit: null),
        };
    }

    /// <summary>Every record of the SDK that can be built empty: the wire types.</summary>
    private static IEnumerable<Type> ObjectTypes() =>
        typeof(OutpostJson).Assembly.GetExportedTypes()
            .Where(t => t.GetMethod("<Clone>$") is not null && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null
                && OutpostJson.Options.TryGetTypeInfo(t, out var info) && info.Kind == JsonTypeInfoKind.Object);
}
