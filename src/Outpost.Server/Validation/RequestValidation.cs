using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Agents;

namespace Outpost.Server.Validation;

/// <summary>
/// Request validation at the root, for every endpoint: bodies and parameters that cannot be bound
/// answer a problem naming the field; JSON strings with NUL, and rule-breaking fields, are refused
/// as the body is read; query, route and form values with NUL are refused before authentication
/// looks at them; each route has a body size limit.
/// </summary>
internal static class RequestValidation
{
    /// <summary>The body limit of a route that does not set its own.</summary>
    public const long DefaultBodyLimit = 1024 * 1024;

    /// <summary>Daemons post job results with the provisioner's state and log batches.</summary>
    public const long DaemonBodyLimit = 64L * 1024 * 1024;

    /// <summary>Agents post batches of log lines.</summary>
    public const long AgentBodyLimit = 4L * 1024 * 1024;

    public static IServiceCollection AddRequestValidation(this IServiceCollection services)
    {
        services.AddExceptionHandler<InvalidRequestExceptionHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        // A malformed id is a 400 that names it, not a 404 for a route that "does not exist": the
        // guid constraint only keeps the routes apart, the parameter's binding does the checking.
        services.Configure<RouteOptions>(options => options.SetParameterPolicy<AnyTextConstraint>("guid"));
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Insert(0, new NulRefusingStringConverter());
            json.SerializerOptions.TypeInfoResolver = json.SerializerOptions.TypeInfoResolver!.WithAddedModifier(RequestRules.Apply);
        });
        return services;
    }

    /// <summary>Before authentication: per-route body limits, and no NUL in query, route or form values.</summary>
    public static IApplicationBuilder UseRequestValidation(this IApplicationBuilder app) =>
        app.Use(static next => async context =>
        {
            SetBodyLimit(context);
            if (await FindNulAsync(context).ConfigureAwait(false) is { } field)
            {
                var invalid = InvalidRequest.ForField(field, "text without NUL (U+0000) characters", $"{field} contains a NUL (U+0000) character, which cannot be stored");
                RequestValidationLog.InvalidRequest(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestValidation)),
                    context.Request.Method, context.Request.Path.Value ?? string.Empty, invalid.Status, invalid.Code, field, invalid.Detail);
                await InvalidRequestExceptionHandler.WriteAsync(context.RequestServices.GetRequiredService<IProblemDetailsService>(), context, invalid).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);

            // The framework answers a body over the limit with a bare 413 of its own.
            if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? BodyLimitFor(context);
                var invalid = new InvalidRequest(StatusCodes.Status413PayloadTooLarge, InvalidRequest.RequestTooLargeCode,
                    $"the request body is larger than this route's limit of {limit:N0} bytes", null, null, null);
                await InvalidRequestExceptionHandler.WriteAsync(context.RequestServices.GetRequiredService<IProblemDetailsService>(), context, invalid).ConfigureAwait(false);
            }
        });

    internal static long BodyLimitFor(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } own })
        {
            return own;
        }

        var path = context.Request.Path;
        return path.StartsWithSegments(ProvisionerDaemonApi.Prefix, StringComparison.Ordinal) ? DaemonBodyLimit
            : path.StartsWithSegments(AgentApi.Prefix, StringComparison.Ordinal) ? AgentBodyLimit
            : DefaultBodyLimit;
    }

    private static void SetBodyLimit(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = BodyLimitFor(context);
        }
    }

    private static async Task<string?> FindNulAsync(HttpContext context)
    {
        foreach (var (key, values) in context.Request.Query)
        {
            if (TextRules.HasNul(key) || values.Any(TextRules.HasNul))
            {
                return TextRules.HasNul(key) ? "query" : key;
            }
        }

        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is string text && TextRules.HasNul(text))
            {
                return key;
            }
        }

        if (context.Request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidDataException)
            {
                // The framework's decoder refuses a NUL (%00) itself, without saying where.
                return "form";
            }

            foreach (var (key, values) in form)
            {
                if (TextRules.HasNul(key) || values.Any(TextRules.HasNul))
                {
                    return TextRules.HasNul(key) ? "form" : key;
                }
            }
        }

        return null;
    }

    /// <summary>Matches any segment; see <see cref="AddRequestValidation"/>.</summary>
    private sealed class AnyTextConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) => true;
    }
}
