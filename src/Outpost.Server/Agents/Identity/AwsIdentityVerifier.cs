using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// Checks an EC2 instance identity document against AWS's published certificates. Two signature forms are
/// accepted: the base64 PKCS#1 v1.5 RSA-SHA256 signature (<c>…/instance-identity/signature</c>, what the agent
/// sends) and a base64 PKCS#7 signed-data (<c>…/instance-identity/rsa2048</c>). Either must verify with one of
/// the configured certificates' keys; a PKCS#7 that carries its own certificates is checked against the
/// configured ones only. AWS's certificates are key carriers: several are past their validity dates while AWS
/// still signs with their keys, so their dates are not checked (as AWS's own instructions do not).
/// </summary>
internal sealed class AwsIdentityVerifier(X509Certificate2Collection certificates)
{
    public IdentityCheck Verify(string signature, string document)
    {
        var documentBytes = Encoding.UTF8.GetBytes(document);
        byte[] signatureBytes;
        try
        {
            signatureBytes = Convert.FromBase64String(signature.Trim());
        }
        catch (FormatException)
        {
            return IdentityCheck.BadField("signature", "signature must be base64 (the metadata service's instance-identity/signature)");
        }

        var verified = LooksLikeCms(signatureBytes) ? VerifyCms(signatureBytes, documentBytes) : VerifyRsa(signatureBytes, documentBytes);
        if (!verified)
        {
            return IdentityCheck.Refused("the document's signature does not verify with any configured AWS certificate");
        }

        try
        {
            using var parsed = JsonDocument.Parse(documentBytes);
            return parsed.RootElement.ValueKind == JsonValueKind.Object
                && parsed.RootElement.TryGetProperty("instanceId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } instanceId
                ? IdentityCheck.Proves(instanceId)
                : IdentityCheck.BadField("document", "document has no instanceId");
        }
        catch (JsonException)
        {
            return IdentityCheck.BadField("document", "document must be the JSON instance identity document");
        }
    }

    private bool VerifyRsa(byte[] signature, byte[] document)
    {
        foreach (var certificate in certificates)
        {
            using var key = certificate.GetRSAPublicKey();
            if (key is not null && key.VerifyData(document, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return true;
            }
        }

        return false;
    }

    private bool VerifyCms(byte[] signature, byte[] document)
    {
        try
        {
            var cms = new SignedCms();
            cms.Decode(signature);
            if (cms.Detached)
            {
                cms = new SignedCms(new ContentInfo(document), detached: true);
                cms.Decode(signature);
            }
            else if (!cms.ContentInfo.Content.AsSpan().SequenceEqual(document))
            {
                // The signed content is what counts; a different unsigned document beside it is a forgery.
                return false;
            }

            // Only the configured certificates may vouch: drop any the message brought along.
            foreach (var carried in cms.Certificates)
            {
                cms.RemoveCertificate(carried);
            }

            cms.CheckSignature(certificates, verifySignatureOnly: true);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    // DER SEQUENCE with the signed-data content type near its start; a raw RSA signature is random bytes.
    private static bool LooksLikeCms(byte[] bytes) => bytes.Length > 16 && bytes[0] == 0x30
        && bytes.AsSpan(0, Math.Min(bytes.Length, 32)).IndexOf(SignedDataOid) >= 0;

    private static ReadOnlySpan<byte> SignedDataOid => [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
}
