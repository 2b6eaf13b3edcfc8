using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Http;

/// <summary>
/// Completes the generated OpenAPI document from what each endpoint already declares, so the
/// document cannot drift from the routes: the caller's security scheme (from its authorization
/// policy), the problem responses its kind of endpoint can give (401 and 429 for a credential,
/// 403 for a permission, 404 for a path with an id, 400 and 413 for input), the tags' meaning and
/// a server URL without a trailing slash. <c>OpenApiLintTests</c> runs Redocly's recommended rules
/// over the result.
/// </summary>
internal static class OpenApiConventions
{
    /// <summary>The components name of each security scheme, keyed by authentication scheme.</summary>
    private static readonly Dictionary<string, string> SchemeIds = new(StringComparer.Ordinal)
    {
        [TokenAuthenticationHandler.SchemeName] = "userToken",
        [AgentTokenAuthenticationHandler.SchemeName] = "agentToken",
        [ProvisionerKeyAuthenticationHandler.SchemeName] = "provisionerKey",
    };

    private static readonly Dictionary<string, string> PolicySchemes = new(StringComparer.Ordinal)
    {
        [CallerPolicies.User] = TokenAuthenticationHandler.SchemeName,
        [CallerPolicies.WorkspaceAgent] = AgentTokenAuthenticationHandler.SchemeName,
        [CallerPolicies.ProvisionerDaemon] = ProvisionerKeyAuthenticationHandler.SchemeName,
    };

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Health"] = "Liveness of the server and its database.",
        ["Deployment"] = "What this deployment runs: version, commit and deployment id.",
        ["Identity"] = "Users, login sessions, OAuth 2.0 token refresh and API tokens.",
        ["Files"] = "Template archives stored by their SHA-256.",
        ["Templates"] = "Templates and their versions, imported by a provisioner daemon.",
        ["Workspaces"] = "Workspaces, their builds, logs, agents and live watch streams.",
        ["Provisioner keys"] = "Keys that external provisioner daemons authenticate with.",
        ["Provisioner daemons"] = "The API provisioner daemons use to acquire, report and complete jobs.",
        ["Workspace agent API"] = "The API a workspace agent uses with its own token.",
    };

    public const string ProblemSchemaId = "Problem";

    /// <summary>
    /// Declares a problem an endpoint answers beyond those its kind implies, with the codes it carries,
    /// for the OpenAPI document.
    /// </summary>
    public static TBuilder DocumentsProblem<TBuilder>(this TBuilder builder, int status, params string[] codes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemResponse(status, codes));

    /// <summary>Endpoint metadata: <see cref="DocumentsProblem"/>'s declaration.</summary>
    internal sealed record ProblemResponse(int Status, string[] Codes);

    public static void Add(IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddOperationTransformer(DescribeOperation);
            options.AddDocumentTransformer(DescribeDocument);
        });

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var schemes = CallerSchemes(metadata);
        operation.Security = [];
        foreach (var scheme in schemes)
        {
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SchemeIds[scheme], context.Document)] = [],
            });
        }

        var description = context.Description;
        var hasBody = description.ParameterDescriptions.Any(p => p.Source.Id is "Body" or "Form")
            || metadata.OfType<IAcceptsMetadata>().Any();
        var hasQuery = description.ParameterDescriptions.Any(p => p.Source.Id == "Query");
        var hasPathId = description.ParameterDescriptions.Any(p => p.Source.Id == "Path");

        if (hasBody || hasQuery)
        {
            AddProblem(operation, context, StatusCodes.Status400BadRequest,
                $"The request is not valid (`{ProblemCodes.InvalidRequest}` or `{ProblemCodes.ValidationFailed}`): the problem names the field in `field` or `errors` and what it expected.");
        }

        if (schemes.Count > 0)
        {
            AddProblem(operation, context, StatusCodes.Status401Unauthorized,
                "No credential, or one that is not valid (" + string.Join(", ", schemes.Select(s => $"`{InvalidCredentialCode(s)}`")) + "); the detail says how to get one.");
        }

        if (RequiresPermission(metadata, schemes))
        {
            AddProblem(operation, context, StatusCodes.Status403Forbidden,
                $"The caller's role lacks the permission this needs (`{ProblemCodes.Forbidden}`); the detail names it.");
        }

        if (hasPathId)
        {
            AddProblem(operation, context, StatusCodes.Status404NotFound,
                "What the path names does not exist or is not visible to the caller; the `code` says which kind (e.g. `workspace_not_found`).");
        }

        if (hasBody)
        {
            AddProblem(operation, context, StatusCodes.Status413PayloadTooLarge,
                $"The body is larger than the server accepts (`{ProblemCodes.PayloadTooLarge}`).");
        }

        foreach (var declared in metadata.OfType<ProblemResponse>())
        {
            AddProblem(operation, context, declared.Status,
                ReasonPhrase(declared.Status) + ": " + string.Join(", ", declared.Codes.Select(code => $"`{code}`")) + "; the detail says what to do.");
        }

        if (schemes.Count > 0 || metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            AddProblem(operation, context, StatusCodes.Status429TooManyRequests,
                $"Too many failed attempts from this address (`{ProblemCodes.RateLimited}`); retry after the `Retry-After` header's seconds.");
        }

        return Task.CompletedTask;
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Outpost API";
        document.Info.Description = "The control plane of Outpost, a self-hosted platform for remote development workspaces. "
            + "Every error is an `application/problem+json` document with a stable `code` (docs/api-errors.md).";
        document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Outpost" };

        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[SchemeIds[TokenAuthenticationHandler.SchemeName]] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = $"A user's access token or API token, as `Authorization: Bearer <token>` (or the `{TokenAuthenticationHandler.SessionTokenHeader}` header). Get one with `outpost login`.",
        };
        document.Components.SecuritySchemes[SchemeIds[AgentTokenAuthenticationHandler.SchemeName]] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A workspace agent's own token, as `Authorization: Bearer <token>`; it is issued per build and expires when the build stops.",
        };
        document.Components.SecuritySchemes[SchemeIds[ProvisionerKeyAuthenticationHandler.SchemeName]] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ProvisionerDaemonApi.KeyHeader,
            Description = "A provisioner key, created with `outpost provisioner keys create <name>`.",
        };

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Components.Schemas[ProblemSchemaId] = ProblemSchema();

        var used = (document.Paths ?? [])
            .SelectMany(path => path.Value.Operations ?? [])
            .SelectMany(operation => operation.Value.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(tag => tag.Name)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var name in used.Order(StringComparer.Ordinal))
        {
            var tag = document.Tags.FirstOrDefault(t => t.Name == name);
            if (tag is null)
            {
                tag = new OpenApiTag { Name = name };
                document.Tags.Add(tag);
            }

            tag.Description ??= TagDescriptions.GetValueOrDefault(name, name);
        }

        return Task.CompletedTask;
    }

    private static List<string> CallerSchemes(IList<object> metadata)
    {
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return [];
        }

        var schemes = new List<string>();
        foreach (var item in metadata)
        {
            IEnumerable<string> named = item switch
            {
                AuthorizationPolicy policy => policy.AuthenticationSchemes,
                IAuthorizeData data when data.Policy is { } name && PolicySchemes.TryGetValue(name, out var scheme) => [scheme],
                IAuthorizeData data when data.AuthenticationSchemes is { Length: > 0 } list => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                _ => [],
            };
            foreach (var scheme in named)
            {
                if (SchemeIds.ContainsKey(scheme) && !schemes.Contains(scheme))
                {
                    schemes.Add(scheme);
                }
            }
        }

        return schemes;
    }

    private static bool RequiresPermission(IList<object> metadata, List<string> schemes) =>
        schemes.Contains(ProvisionerKeyAuthenticationHandler.SchemeName)
        || metadata.OfType<AuthorizationPolicy>().Any(policy => policy.Requirements.OfType<PermissionRequirement>().Any());

    private static string InvalidCredentialCode(string scheme) => scheme switch
    {
        AgentTokenAuthenticationHandler.SchemeName => ProblemCodes.AgentTokenInvalid,
        ProvisionerKeyAuthenticationHandler.SchemeName => ProblemCodes.ProvisionerKeyInvalid,
        _ => ProblemCodes.TokenInvalid,
    };

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description)
    {
        operation.Responses ??= [];
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse declared)
        {
            // A second declaration of one status (a generic one and an endpoint's own) adds its codes.
            declared.Description = string.IsNullOrEmpty(declared.Description) || declared.Description == ReasonPhrase(status)
                ? description
                : declared.Description + " " + description;
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchemaId, context.Document) },
            },
        };
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static OpenApiSchema ProblemSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details with Outpost's stable `code` (docs/api-errors.md).",
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong and what to do about it." },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A stable, machine-readable code, e.g. `workspace_busy`." },
            ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request field at fault, when one is." },
            ["expected"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What the field should hold." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Field errors: each field's messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
        Examples = [JsonNode.Parse("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Conflict","status":409,"detail":"workspace dev is busy with build #3 (start, running); wait for it or cancel it","code":"workspace_busy"}""")!],
    };
}
