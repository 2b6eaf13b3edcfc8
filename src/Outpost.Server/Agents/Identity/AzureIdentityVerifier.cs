using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// Checks Azure attested data: a PKCS#7 signed-data whose content holds the VM id (<c>vmId</c>), signed by a
/// certificate the message carries. The signature must verify with that certificate, the certificate must chain to
/// a configured root (the system's trusted roots unless configured) and be valid at the server's clock, and its
/// DNS name must be one of Azure's metadata service names (or a subdomain of one).
/// </summary>
internal sealed class AzureIdentityVerifier(X509Certificate2Collection? roots, IReadOnlyList<string> subjectNames, TimeProvider time)
{
    public IdentityCheck Verify(string encoding, string signature)
    {
        if (!string.Equals(encoding, "pkcs7", StringComparison.OrdinalIgnoreCase))
        {
            return IdentityCheck.BadField("encoding", $"encoding must be pkcs7, not \"{encoding}\"");
        }

        var cms = new SignedCms();
        try
        {
            cms.Decode(Convert.FromBase64String(signature.Trim()));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return IdentityCheck.BadField("signature", "signature must be the base64 PKCS#7 of the attested data document");
        }

        if (cms.SignerInfos.Count != 1 || cms.SignerInfos[0].Certificate is not { } signer)
        {
            return IdentityCheck.Refused("the attested data must carry exactly one signer and its certificate");
        }

        try
        {
            cms.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            return IdentityCheck.Refused("the attested data's signature does not verify");
        }

        if (ChainFailure(signer, cms.Certificates) is { } failure)
        {
            return IdentityCheck.Refused(failure);
        }

        var name = signer.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        if (!subjectNames.Any(allowed => string.Equals(name, allowed, StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("." + allowed, StringComparison.OrdinalIgnoreCase)))
        {
            return IdentityCheck.Refused($"the signing certificate is for \"{name}\", not an Azure metadata service name");
        }

        try
        {
            using var content = JsonDocument.Parse(cms.ContentInfo.Content);
            return content.RootElement.ValueKind == JsonValueKind.Object
                && content.RootElement.TryGetProperty("vmId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } vmId
                ? IdentityCheck.Proves(vmId)
                : IdentityCheck.Refused("the attested data has no vmId");
        }
        catch (JsonException)
        {
            return IdentityCheck.Refused("the attested data's content is not JSON");
        }
    }

    private string? ChainFailure(X509Certificate2 signer, X509Certificate2Collection carried)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ExtraStore.AddRange(carried);
        if (roots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }

        if (chain.Build(signer))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status).ToHashSet();
        return statuses.Contains(X509ChainStatusFlags.NotTimeValid)
            ? "the signing certificate (or one above it) has expired or is not yet valid"
            : statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain)
                ? "the signing certificate does not chain to a trusted Azure root"
                : "the signing certificate's chain does not check out: " + string.Join(", ", statuses);
    }
}
