using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Users;
using Outpost.Sdk.Workspaces;

namespace Outpost.Server.Validation;

/// <summary>
/// Limits on request bodies that hold for every endpoint accepting the type, checked as the body is
/// read (a failed rule is a <see cref="RequestRuleException"/>, answered as 400
/// <c>validation_failed</c> naming each field), so no handler can forget them.
/// </summary>
internal static class RequestRules
{
    public const int MaxDescriptionLength = 1024;
    public const int MaxLabelLength = 64;
    public const int MaxDisplayNameLength = 128;

    /// <summary>One parameter value: well under Linux's 128 KiB limit on one environment string.</summary>
    public const int MaxParameterValueLength = 16 * 1024;

    /// <summary>All parameter values of one request together.</summary>
    public const int MaxParameterValuesLength = 64 * 1024;

    private static readonly Dictionary<Type, Action<object, Dictionary<string, string[]>>> Rules = new()
    {
        [typeof(CreateTemplateRequest)] = static (value, errors) => Description(errors, "description", ((CreateTemplateRequest)value).Description),
        [typeof(UpdateTemplateRequest)] = static (value, errors) => Description(errors, "description", ((UpdateTemplateRequest)value).Description),
        [typeof(CreateTemplateVersionRequest)] = static (value, errors) => Name(errors, "name", ((CreateTemplateVersionRequest)value).Name, MaxLabelLength),
        [typeof(CreateTokenRequest)] = static (value, errors) => Name(errors, "token_name", ((CreateTokenRequest)value).TokenName, MaxLabelLength),
        [typeof(CreateProvisionerKeyRequest)] = static (value, errors) => Name(errors, "name", ((CreateProvisionerKeyRequest)value).Name, MaxLabelLength),
        [typeof(AcquireJobRequest)] = static (value, errors) => Name(errors, "daemon_name", ((AcquireJobRequest)value).DaemonName, MaxLabelLength),
        [typeof(CreateUserRequest)] = static (value, errors) => Name(errors, "name", ((CreateUserRequest)value).Name, MaxDisplayNameLength),
        [typeof(CreateWorkspaceRequest)] = static (value, errors) => Parameters(errors, ((CreateWorkspaceRequest)value).Parameters),
        [typeof(CreateWorkspaceBuildRequest)] = static (value, errors) => Parameters(errors, ((CreateWorkspaceBuildRequest)value).Parameters),
    };

    /// <summary>A contract modifier: hooks the rules of <paramref name="info"/>'s type, if it has any, after deserialization.</summary>
    public static void Apply(JsonTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!Rules.TryGetValue(info.Type, out var rule))
        {
            return;
        }

        var previous = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            previous?.Invoke(value);
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            rule(value, errors);
            if (errors.Count > 0)
            {
                throw new RequestRuleException(errors);
            }
        };
    }

    private static void Name(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (TextRules.CheckName(value, maxLength) is { } problem)
        {
            errors[field] = [problem];
        }
    }

    private static void Description(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (TextRules.CheckDescription(value, MaxDescriptionLength) is { } problem)
        {
            errors[field] = [problem];
        }
    }

    private static void Parameters(Dictionary<string, string[]> errors, IReadOnlyList<ParameterValue>? parameters)
    {
        if (parameters is null)
        {
            return;
        }

        long total = 0;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (parameter is null)
            {
                errors[$"parameters[{i}]"] = ["must be an object with a name and a value"];
                continue;
            }

            Name(errors, $"parameters[{i}].name", parameter.Name, MaxLabelLength);
            total += parameter.Value?.Length ?? 0;
            if (parameter.Value is { Length: > MaxParameterValueLength })
            {
                errors[$"parameters[{i}].value"] = [$"must be at most {MaxParameterValueLength:N0} characters (it has {parameter.Value.Length:N0}); workspace processes receive it in their environment"];
            }
        }

        if (total > MaxParameterValuesLength)
        {
            errors["parameters"] = [$"the values add up to {total:N0} characters; the limit is {MaxParameterValuesLength:N0}"];
        }
    }
}
