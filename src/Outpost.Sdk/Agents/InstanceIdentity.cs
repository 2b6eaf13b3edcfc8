namespace Outpost.Sdk.Agents;

/// <summary>
/// Instance-identity authentication: an agent on a cloud VM trades the machine's signed identity document for its
/// session token instead of carrying a token in its user data. The routes are anonymous (the document is the
/// credential) and rate limited like logins; 200 answers <see cref="InstanceIdentityResponse"/>.
/// <list type="bullet">
/// <item>401 <see cref="ProblemCodes.InstanceIdentityInvalid"/>: the document's signature, certificate, audience or
/// expiry does not check out, or no workspace agent is registered for the instance (the answer does not say which).</item>
/// <item>404 <see cref="ProblemCodes.AgentNotFound"/>: the instance is known but has no root agent with the name asked for.</item>
/// <item>409 <see cref="ProblemCodes.AgentNameRequired"/>: several root agents share the instance and none was named; the
/// problem's <c>agent_names</c> lists them, sorted, so the operator knows what to set <see cref="AgentEnvironment.AgentName"/> to.</item>
/// </list>
/// </summary>
public static class InstanceIdentityApi
{
    /// <summary>AWS: the instance identity document and its signature.</summary>
    public const string AwsPath = "/api/v2/workspaceagents/aws-instance-identity";

    /// <summary>Azure: the attested data document (PKCS#7).</summary>
    public const string AzurePath = "/api/v2/workspaceagents/azure-instance-identity";

    /// <summary>Google Cloud: the instance identity token (a JWT).</summary>
    public const string GooglePath = "/api/v2/workspaceagents/google-instance-identity";

    /// <summary>The longest document, signature or token the server reads.</summary>
    public const int MaxDocumentLength = 64 * 1024;

    /// <summary>
    /// The agent name a request selects: trimmed, and null when it is absent, empty or only whitespace (which means
    /// "not specified", not "the agent with an empty name").
    /// </summary>
    public static string? SelectorOf(string? agentName) => string.IsNullOrWhiteSpace(agentName) ? null : agentName.Trim();
}

/// <summary>An AWS instance identity document and its signature (base64 PKCS#1 v1.5 RSA-SHA256 or base64 PKCS#7).</summary>
public sealed record AwsInstanceIdentityRequest
{
    /// <summary>The signature from the metadata service (<c>/latest/dynamic/instance-identity/signature</c> or <c>…/rsa2048</c>).</summary>
    public required string Signature { get; init; }

    /// <summary>The JSON document from <c>/latest/dynamic/instance-identity/document</c>, exactly as served.</summary>
    public required string Document { get; init; }

    /// <summary>Which of the instance's agents is asking (optional when the instance has one).</summary>
    public string? AgentName { get; init; }
}

/// <summary>Azure attested data: a base64 PKCS#7 signed document that holds the VM id.</summary>
public sealed record AzureInstanceIdentityRequest
{
    /// <summary>Always <c>pkcs7</c>.</summary>
    public string Encoding { get; init; } = "pkcs7";

    /// <summary>The <c>signature</c> member of <c>/metadata/attested/document</c>.</summary>
    public required string Signature { get; init; }

    /// <summary>Which of the instance's agents is asking (optional when the instance has one).</summary>
    public string? AgentName { get; init; }
}

/// <summary>A Google Cloud instance identity token (<c>format=full</c>, audience as the server is configured).</summary>
public sealed record GoogleInstanceIdentityRequest
{
    /// <summary>The JWT from <c>/computeMetadata/v1/instance/service-accounts/default/identity</c>.</summary>
    public required string JsonWebToken { get; init; }

    /// <summary>Which of the instance's agents is asking (optional when the instance has one).</summary>
    public string? AgentName { get; init; }
}

/// <summary>The agent's session token, for <c>Authorization: Bearer</c> on the agent API.</summary>
public sealed record InstanceIdentityResponse
{
    /// <summary>The token. It is new on every exchange (the previous one stops working) and lives as long as the build's other agent tokens.</summary>
    public required string SessionToken { get; init; }
}
