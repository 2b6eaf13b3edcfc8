using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Outpost.Server.Validation;

/// <summary>
/// Turns every request the framework could not bind — malformed JSON, a wrong type, a missing
/// required member, an unknown enum name, a non-UUID id, a body over the route's limit — into a
/// problem that names the field and the form expected, with one debug log line. Binding throws
/// (<c>RouteHandlerOptions.ThrowOnBadRequest</c>) so that the reason reaches this handler instead
/// of a bare 400.
/// </summary>
internal sealed partial class InvalidRequestExceptionHandler(
    IProblemDetailsService problems, IOptions<JsonOptions> json, ILogger<InvalidRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var invalid = exception switch
        {
            BadHttpRequestException bad => Describe(httpContext, bad, json.Value.SerializerOptions),
            // The framework's form and query decoders refuse what they cannot decode (a NUL, bad
            // percent-encoding) with this exception, wherever the values are first read.
            InvalidDataException data => InvalidRequest.ForField("form", "application/x-www-form-urlencoded text without NUL (U+0000) characters",
                $"the request's form cannot be read: {data.InnerException?.Message ?? data.Message}"),
            _ => null,
        };
        if (invalid is null)
        {
            return false;
        }

        RequestValidationLog.InvalidRequest(logger, httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty,
            invalid.Status, invalid.Code, invalid.Field ?? string.Empty, invalid.Detail);
        return await WriteAsync(problems, httpContext, invalid, exception).ConfigureAwait(false);
    }

    public static async ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext httpContext, InvalidRequest invalid, Exception? exception = null)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(invalid);
        httpContext.Response.StatusCode = invalid.Status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = invalid.Status, Title = Title(invalid.Status), Detail = invalid.Detail },
        };
        context.ProblemDetails.Extensions["code"] = invalid.Code;
        if (invalid.Field is not null)
        {
            context.ProblemDetails.Extensions["field"] = invalid.Field;
        }

        if (invalid.Expected is not null)
        {
            context.ProblemDetails.Extensions["expected"] = invalid.Expected;
        }

        if (invalid.Errors is not null)
        {
            context.ProblemDetails.Extensions["errors"] = invalid.Errors;
        }

        return await problems.TryWriteAsync(context).ConfigureAwait(false);
    }

    internal static InvalidRequest Describe(HttpContext http, BadHttpRequestException bad, JsonSerializerOptions options)
    {
        switch (bad.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
                return new(bad.StatusCode, InvalidRequest.RequestTooLargeCode,
                    limit is { } bytes ? $"the request body is larger than this route's limit of {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes" : "the request body is too large",
                    null, null, null);
            case StatusCodes.Status415UnsupportedMediaType:
                return new(bad.StatusCode, InvalidRequest.UnsupportedMediaTypeCode, "send the body as JSON with Content-Type: application/json", null, "application/json", null);
            case not StatusCodes.Status400BadRequest:
                return new(bad.StatusCode, InvalidRequest.InvalidRequestCode, bad.Message, null, null, null);
        }

        // The exception handler has already cleared the endpoint and route values from the context;
        // its feature keeps them.
        var handled = http.Features.Get<IExceptionHandlerFeature>();
        var endpoint = handled?.Endpoint ?? http.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        return bad.InnerException switch
        {
            RequestRuleException rules => new(400, InvalidRequest.ValidationFailedCode,
                "the request is not valid: " + string.Join("; ", rules.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")),
                rules.Errors.Keys.First(), null, rules.Errors),
            NulCharacterException nul => InvalidRequest.ForField(nul.Path ?? "$", "a string without NUL (U+0000) characters",
                $"{nul.Path ?? "$"} contains a NUL (U+0000) character, which cannot be stored"),
            JsonException body when bodyType is not null => DescribeBody(body, bodyType, options),
            _ => DescribeParameters(http, endpoint, handled?.RouteValues, bodyType) ?? new(400, InvalidRequest.InvalidRequestCode, bad.Message, null, null, null),
        };
    }

    private static InvalidRequest DescribeBody(JsonException body, Type bodyType, JsonSerializerOptions options)
    {
        var path = body.Path ?? "$";
        if (MissingRequired(body.Message) is [_, ..] missing)
        {
            // The path is the object that lacks the members (the body itself, or a nested one).
            var field = path + "." + missing[0];
            var expected = ExpectedForm.TypeAt(bodyType, field, options) is { } type ? ExpectedForm.Describe(type, options) : "a value";
            var errors = missing.ToDictionary(name => path + "." + name, name => new[] { "is required" }, StringComparer.Ordinal);
            return new(400, InvalidRequest.InvalidRequestCode,
                $"{string.Join(", ", errors.Keys)} {(missing.Count == 1 ? "is" : "are")} required; {field} must be {expected}", field, expected, errors);
        }

        var at = ExpectedForm.TypeAt(bodyType, path, options);
        var form = at is null ? "a field this request accepts" : ExpectedForm.Describe(at, options);

        // The reader's own exception (internal to System.Text.Json) means the text is not JSON at all.
        if (body.InnerException?.GetType().Name == "JsonReaderException")
        {
            var reason = body.InnerException.Message;
            return new(400, InvalidRequest.InvalidRequestCode,
                $"the body is not valid JSON (line {body.LineNumber + 1}, byte {body.BytePositionInLine + 1}): {reason}", path, form,
                new Dictionary<string, string[]> { [path] = [reason] });
        }

        return InvalidRequest.ForField(path, form, $"{path} must be {form}");
    }

    private static InvalidRequest? DescribeParameters(HttpContext http, Endpoint? endpoint, RouteValueDictionary? routeValues, Type? bodyType)
    {
        if (bodyType is not null && http.Request.ContentLength is null or 0 && !http.Request.Headers.TransferEncoding.Any())
        {
            return InvalidRequest.ForField("$", ExpectedForm.Describe(bodyType, JsonSerializerOptions.Default), "the request needs a JSON body");
        }

        foreach (var parameter in endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters() ?? [])
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            if (parameter.Name is not { } name || !IsSimple(type))
            {
                continue;
            }

            var raw = routeValues is not null && routeValues.TryGetValue(name, out var routeValue) ? routeValue as string : (string?)http.Request.Query[name];
            var expected = ExpectedForm.Describe(type, JsonSerializerOptions.Default);
            if (raw is null)
            {
                if (type.IsValueType && Nullable.GetUnderlyingType(parameter.ParameterType) is null && !parameter.HasDefaultValue)
                {
                    return InvalidRequest.ForField(name, expected, $"the parameter {name} is required; it must be {expected}");
                }

                continue;
            }

            if (!Parses(type, raw))
            {
                return InvalidRequest.ForField(name, expected, $"the parameter {name} must be {expected}, not \"{(raw.Length > 64 ? raw[..64] + "…" : raw)}\"");
            }
        }

        return null;
    }

    private static bool IsSimple(Type type) =>
        type == typeof(Guid) || type == typeof(int) || type == typeof(long) || type == typeof(bool) || type == typeof(double) || type == typeof(DateTimeOffset) || type.IsEnum;

    private static bool Parses(Type type, string raw) => type switch
    {
        _ when type == typeof(Guid) => Guid.TryParse(raw, out _),
        _ when type == typeof(int) => int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(long) => long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(bool) => bool.TryParse(raw, out _),
        _ when type == typeof(double) => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(DateTimeOffset) => DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => Enum.TryParse(type, raw, ignoreCase: true, out _),
    };

    // System.Text.Json names missing required members only in its message ("… was missing required
    // properties including: 'name', 'email'."); the invariant culture keeps that text stable.
    private static List<string>? MissingRequired(string message)
    {
        var at = message.IndexOf("missing required properties", StringComparison.Ordinal);
        return at < 0 ? null : [.. QuotedName().Matches(message[at..]).Select(m => m.Groups[1].Value)];
    }

    private static string Title(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Payload Too Large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported Media Type",
        _ => "Bad Request",
    };

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedName();
}
