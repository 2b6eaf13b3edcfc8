using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// Checks a Compute Engine instance identity token: an RS256 JWT whose <c>kid</c> names one of Google's signing
/// certificates (<see cref="GoogleIdentityKeys"/>), issued by Google, for this server's audience, not expired, and
/// carrying <c>google.compute_engine.instance_id</c> (the agent asks for <c>format=full</c>).
/// </summary>
internal sealed class GoogleIdentityVerifier(GoogleIdentityKeys keys, string audience, TimeProvider time)
{
    /// <summary>Clock difference tolerated on <c>exp</c>, <c>iat</c> and certificate dates.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    private static readonly string[] Issuers = ["https://accounts.google.com", "accounts.google.com"];

    public async Task<IdentityCheck> VerifyAsync(string jwt, CancellationToken cancellationToken)
    {
        var parts = jwt.Trim().Split('.');
        if (parts.Length != 3 || Decode(parts[0]) is not { } headerBytes || Decode(parts[1]) is not { } payloadBytes || Decode(parts[2]) is not { } signature)
        {
            return IdentityCheck.BadField("json_web_token", "json_web_token must be a JWT (three base64url parts separated by dots)");
        }

        string? kid;
        try
        {
            using var header = JsonDocument.Parse(headerBytes);
            if (Text(header.RootElement, "alg") != "RS256")
            {
                return IdentityCheck.Refused("the token is not signed with RS256");
            }

            kid = Text(header.RootElement, "kid");
        }
        catch (JsonException)
        {
            return IdentityCheck.BadField("json_web_token", "the token's header is not JSON");
        }

        if (kid is null || await keys.FindAsync(kid, cancellationToken).ConfigureAwait(false) is not { } certificate)
        {
            return IdentityCheck.Refused("the token is signed with a key that is not one of Google's (unknown kid)");
        }

        var now = time.GetUtcNow();
        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime - Skew || certificate.NotBefore.ToUniversalTime() > now.UtcDateTime + Skew)
        {
            return IdentityCheck.Refused("the token's signing certificate has expired or is not yet valid");
        }

        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is null || !rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return IdentityCheck.Refused("the token's signature does not verify");
            }
        }

        try
        {
            using var payload = JsonDocument.Parse(payloadBytes);
            var claims = payload.RootElement;
            if (Text(claims, "iss") is not { } issuer || !Issuers.Contains(issuer))
            {
                return IdentityCheck.Refused("the token was not issued by Google");
            }

            if (!Audiences(claims).Contains(audience, StringComparer.Ordinal))
            {
                return IdentityCheck.Refused("the token is for another audience; the agent must ask for this server's audience");
            }

            if (Seconds(claims, "exp") is not { } expires || DateTimeOffset.FromUnixTimeSeconds(expires) < now - Skew)
            {
                return IdentityCheck.Refused("the token has expired");
            }

            if (Seconds(claims, "iat") is { } issued && DateTimeOffset.FromUnixTimeSeconds(issued) > now + Skew)
            {
                return IdentityCheck.Refused("the token was issued in the future (check the clocks)");
            }

            return claims.TryGetProperty("google", out var google) && google.ValueKind == JsonValueKind.Object
                && google.TryGetProperty("compute_engine", out var engine) && engine.ValueKind == JsonValueKind.Object
                && Text(engine, "instance_id") is { Length: > 0 } instanceId
                    ? IdentityCheck.Proves(instanceId)
                    : IdentityCheck.BadField("json_web_token", "the token has no google.compute_engine.instance_id; request it with format=full");
        }
        catch (JsonException)
        {
            return IdentityCheck.BadField("json_web_token", "the token's claims are not JSON");
        }
    }

    private static IEnumerable<string> Audiences(JsonElement claims) =>
        !claims.TryGetProperty("aud", out var aud) ? []
        : aud.ValueKind == JsonValueKind.String ? [aud.GetString()!]
        : aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!)
        : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    private static byte[]? Decode(string part)
    {
        var text = part.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
