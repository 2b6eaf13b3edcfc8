using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outpost.Agent.ControlPlane;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Agent.Identity;

/// <summary>How an agent authenticates: with the token its provisioner gave it, or with its cloud instance's identity.</summary>
public enum AgentAuthMethod
{
    /// <summary><c>token</c>: <c>OUTPOST_AGENT_TOKEN</c> or <c>OUTPOST_AGENT_TOKEN_FILE</c>.</summary>
    Token,

    /// <summary><c>aws-instance-identity</c>: the EC2 identity document and its signature.</summary>
    AwsInstanceIdentity,

    /// <summary><c>azure-instance-identity</c>: Azure's attested data.</summary>
    AzureInstanceIdentity,

    /// <summary><c>google-instance-identity</c>: the Compute Engine identity token.</summary>
    GoogleInstanceIdentity,
}

/// <summary>
/// Trades the instance's identity document for the agent's token: fetches the document from the cloud's metadata
/// service and posts it to the server, retrying with backoff while the metadata service or the server is not ready
/// (a VM often boots before its build has recorded its agents). A 409 — several agents on this instance and no
/// name given — is logged with the names and ends the attempt: retrying cannot fix it. So does a 400 (the server
/// cannot read what this agent sends).
/// </summary>
public sealed class InstanceIdentityLogin(Uri serverUrl, AgentAuthMethod method, string? agentName, ILogger logger, TimeProvider time, Uri? metadataUrl = null)
{
    /// <summary>The environment variable that points the agent at another metadata service (tests; unusual clouds).</summary>
    public const string MetadataUrlVariable = "OUTPOST_AGENT_METADATA_URL";

    /// <summary>How the agent is told to authenticate (<c>--auth</c> too).</summary>
    public const string AuthVariable = "OUTPOST_AGENT_AUTH";

    private static readonly Uri AwsAndAzureMetadata = new("http://169.254.169.254");
    private static readonly Uri GoogleMetadata = new("http://metadata.google.internal");

    /// <summary>The wire names of <see cref="AgentAuthMethod"/>.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = ["token", "aws-instance-identity", "azure-instance-identity", "google-instance-identity"];

    public static AgentAuthMethod? ParseMethod(string text) => MethodNames.ToList().IndexOf(text.Trim().ToLowerInvariant()) is var i and >= 0 ? (AgentAuthMethod)i : null;

    /// <summary>The token, or null when the server answered something retrying cannot change (the reason is logged).</summary>
    public async Task<string?> ExchangeAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                var (path, body) = await DocumentAsync(http, cancellationToken).ConfigureAwait(false);
                using var response = await http.PostAsync(new Uri(serverUrl, path), body, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var answer = await response.Content.ReadFromJsonAsync(OutpostJsonContext.Default.InstanceIdentityResponse, cancellationToken).ConfigureAwait(false);
                    if (answer?.SessionToken is { Length: > 0 } token)
                    {
                        InstanceIdentityLog.Authenticated(logger, Name(method), attempt);
                        return token;
                    }

                    failure = "the server's answer held no token";
                }
                else
                {
                    var problem = await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Conflict)
                    {
                        InstanceIdentityLog.NameRequired(logger, string.Join(", ", problem.Names), problem.Detail);
                        return null;
                    }

                    if (response.StatusCode == HttpStatusCode.BadRequest)
                    {
                        InstanceIdentityLog.Refused(logger, Name(method), problem.Detail);
                        return null;
                    }

                    failure = $"the server answered {(int)response.StatusCode}: {problem.Detail}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                failure = e.Message;
            }

            var delay = backoff.Delay(attempt);
            InstanceIdentityLog.Retrying(logger, Name(method), attempt, failure, delay.TotalSeconds);
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(string Path, HttpContent Body)> DocumentAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var selector = InstanceIdentityApi.SelectorOf(agentName);
        switch (method)
        {
            case AgentAuthMethod.AwsInstanceIdentity:
            {
                var metadata = metadataUrl ?? AwsAndAzureMetadata;
                var session = await AwsSessionTokenAsync(http, metadata, cancellationToken).ConfigureAwait(false);
                var document = await GetAsync(http, new Uri(metadata, "/latest/dynamic/instance-identity/document"), AwsHeaders(session), cancellationToken).ConfigureAwait(false);
                var signature = await GetAsync(http, new Uri(metadata, "/latest/dynamic/instance-identity/signature"), AwsHeaders(session), cancellationToken).ConfigureAwait(false);
                return (InstanceIdentityApi.AwsPath, JsonContent.Create(
                    new AwsInstanceIdentityRequest { Document = document, Signature = signature, AgentName = selector }, OutpostJsonContext.Default.AwsInstanceIdentityRequest));
            }

            case AgentAuthMethod.AzureInstanceIdentity:
            {
                var attested = await GetAsync(http, new Uri(metadataUrl ?? AwsAndAzureMetadata, "/metadata/attested/document?api-version=2020-09-01"),
                    [("Metadata", "true")], cancellationToken).ConfigureAwait(false);
                using var parsed = JsonDocument.Parse(attested);
                var signature = parsed.RootElement.TryGetProperty("signature", out var s) ? s.GetString() ?? string.Empty : string.Empty;
                var encoding = parsed.RootElement.TryGetProperty("encoding", out var e) ? e.GetString() ?? "pkcs7" : "pkcs7";
                return (InstanceIdentityApi.AzurePath, JsonContent.Create(
                    new AzureInstanceIdentityRequest { Encoding = encoding, Signature = signature, AgentName = selector }, OutpostJsonContext.Default.AzureInstanceIdentityRequest));
            }

            case AgentAuthMethod.GoogleInstanceIdentity:
            {
                // The audience is the server's URL, which is what the server expects unless its operator chose another.
                var audience = Uri.EscapeDataString(serverUrl.ToString().TrimEnd('/'));
                var jwt = await GetAsync(http, new Uri(metadataUrl ?? GoogleMetadata, $"/computeMetadata/v1/instance/service-accounts/default/identity?audience={audience}&format=full"),
                    [("Metadata-Flavor", "Google")], cancellationToken).ConfigureAwait(false);
                return (InstanceIdentityApi.GooglePath, JsonContent.Create(
                    new GoogleInstanceIdentityRequest { JsonWebToken = jwt.Trim(), AgentName = selector }, OutpostJsonContext.Default.GoogleInstanceIdentityRequest));
            }

            default:
                throw new InvalidOperationException($"{method} is not an instance identity");
        }
    }

    // IMDSv2 first; an instance that only serves IMDSv1 answers the PUT with an error and is asked without a session.
    private static async Task<string?> AwsSessionTokenAsync(HttpClient http, Uri metadata, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(metadata, "/latest/api/token"));
        request.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "300");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false) : null;
    }

    private static (string, string)[] AwsHeaders(string? session) => session is null ? [] : [("X-aws-ec2-metadata-token", session)];

    private static async Task<string> GetAsync(HttpClient http, Uri uri, (string Name, string Value)[] headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the metadata service answered {(int)response.StatusCode} for {uri.AbsolutePath}");
        }

        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(string Detail, IReadOnlyList<string> Names)> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var root = problem.RootElement;
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : response.ReasonPhrase ?? string.Empty;
            var names = root.TryGetProperty("agent_names", out var n) && n.ValueKind == JsonValueKind.Array
                ? n.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList()
                : [];
            return (detail, names);
        }
        catch (JsonException)
        {
            return (response.ReasonPhrase ?? string.Empty, []);
        }
    }

    private static string Name(AgentAuthMethod method) => MethodNames[(int)method];
}

internal static partial class InstanceIdentityLog
{
    [LoggerMessage(EventId = OutpostEventIds.Agent + 40, Level = LogLevel.Information,
        Message = "Authenticated with the {Method} of this instance (attempt {Attempt})")]
    public static partial void Authenticated(ILogger logger, string method, int attempt);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 41, Level = LogLevel.Warning,
        Message = "Could not authenticate with the {Method} of this instance (attempt {Attempt}): {Failure}; trying again in {DelaySeconds:0.0} s")]
    public static partial void Retrying(ILogger logger, string method, int attempt, string failure, double delaySeconds);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 42, Level = LogLevel.Error,
        Message = "Several agents run on this instance and this one was not named; set OUTPOST_AGENT_NAME (or --agent-name) to one of: {AgentNames}. The server said: {Detail}")]
    public static partial void NameRequired(ILogger logger, string agentNames, string detail);

    [LoggerMessage(EventId = OutpostEventIds.Agent + 43, Level = LogLevel.Error,
        Message = "The server refused this agent's {Method} as malformed: {Detail}")]
    public static partial void Refused(ILogger logger, string method, string detail);
}
