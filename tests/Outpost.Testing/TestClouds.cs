using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Outpost.Server.Agents.Identity;

namespace Outpost.Testing;

/// <summary>
/// Stand-ins for the three clouds' signing authorities: a key per cloud (and a CA above Azure's), their certificates
/// written where the server's instance-identity configuration points, and the documents each cloud's metadata
/// service would hand an instance. This is the cloud boundary; the server checks what these sign as it checks the
/// real ones.
/// </summary>
public sealed class TestClouds : IDisposable
{
    public const string GoogleAudience = "https://outpost.test";
    public const string GoogleKeyId = "test-key-1";

    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-clouds-").FullName;

    public TestClouds()
    {
        AwsKey = RSA.Create(2048);
        AwsCertificate = SelfSigned("CN=ec2.test.amazonaws.com", AwsKey, ca: false);
        AzureRootKey = RSA.Create(2048);
        AzureRoot = SelfSigned("CN=Test Azure Root", AzureRootKey, ca: true);
        AzureLeaf = Issue("metadata.azure.com", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        GoogleKey = RSA.Create(2048);
        GoogleCertificate = SelfSigned("CN=google.test", GoogleKey, ca: false);

        File.WriteAllText(Path.Combine(_directory, "aws.pem"), AwsCertificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "azure-roots.pem"), AzureRoot.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "google.json"),
            JsonSerializer.Serialize(new Dictionary<string, string> { [GoogleKeyId] = GoogleCertificate.ExportCertificatePem() }));
    }

    public RSA AwsKey { get; }

    public X509Certificate2 AwsCertificate { get; }

    public RSA AzureRootKey { get; }

    public X509Certificate2 AzureRoot { get; }

    public X509Certificate2 AzureLeaf { get; }

    public RSA GoogleKey { get; }

    public X509Certificate2 GoogleCertificate { get; }

    /// <summary>The server configuration that trusts these authorities (and only them).</summary>
    internal InstanceIdentityOptions Options => new()
    {
        AwsCertificatesFile = Path.Combine(_directory, "aws.pem"),
        AzureRootsFile = Path.Combine(_directory, "azure-roots.pem"),
        GoogleCertificates = Path.Combine(_directory, "google.json"),
        GoogleAudience = GoogleAudience,
    };

    /// <summary>The environment variables that configure a server process the same way.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        [InstanceIdentityOptions.AwsVariable] = Options.AwsCertificatesFile!,
        [InstanceIdentityOptions.AzureVariable] = Options.AzureRootsFile!,
        [InstanceIdentityOptions.GoogleVariable] = Options.GoogleCertificates!,
        [InstanceIdentityOptions.GoogleAudienceVariable] = GoogleAudience,
    };

    /// <summary>An EC2 identity document for the instance, as the metadata service serves it.</summary>
    public static string AwsDocument(string instanceId) =>
        $$"""{"accountId":"123456789012","instanceId":"{{instanceId}}","region":"eu-west-1","instanceType":"t3.micro"}""";

    /// <summary>The base64 PKCS#1 v1.5 RSA-SHA256 signature of a document (<c>instance-identity/signature</c>).</summary>
    public string AwsSignature(string document, RSA? key = null) =>
        Convert.ToBase64String((key ?? AwsKey).SignData(Encoding.UTF8.GetBytes(document), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>A base64 PKCS#7 signed-data holding the document (<c>instance-identity/rsa2048</c>), optionally carrying a certificate.</summary>
    public string AwsPkcs7(string document, X509Certificate2? signer = null, bool carryCertificate = false)
    {
        var cms = new SignedCms(new ContentInfo(Encoding.UTF8.GetBytes(document)), detached: false);
        cms.ComputeSignature(new CmsSigner(signer ?? WithKey(AwsCertificate, AwsKey)) { IncludeOption = carryCertificate ? X509IncludeOption.EndCertOnly : X509IncludeOption.None });
        return Convert.ToBase64String(cms.Encode());
    }

    /// <summary>Azure attested data for the VM, signed by <paramref name="leaf"/> (default: a valid metadata.azure.com certificate).</summary>
    public string AzureAttestedData(string vmId, X509Certificate2? leaf = null)
    {
        var content = Encoding.UTF8.GetBytes($$"""{"nonce":"20261202","vmId":"{{vmId}}","subscriptionId":"00000000-0000-0000-0000-000000000000","sku":"22_04-lts"}""");
        var cms = new SignedCms(new ContentInfo(content), detached: false);
        cms.ComputeSignature(new CmsSigner(leaf ?? AzureLeaf) { IncludeOption = X509IncludeOption.EndCertOnly });
        return Convert.ToBase64String(cms.Encode());
    }

    /// <summary>A leaf certificate under the test Azure root, with its private key.</summary>
    public X509Certificate2 Issue(string dnsName, DateTimeOffset notBefore, DateTimeOffset notAfter, X509Certificate2? issuer = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(issuer ?? AzureRoot, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A Compute Engine identity token for the instance, RS256 under the test key unless told otherwise.</summary>
    public string GoogleToken(string instanceId, string? audience = null, DateTimeOffset? expires = null, string keyId = GoogleKeyId, RSA? key = null)
    {
        var now = DateTimeOffset.UtcNow;
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["kid"] = keyId, ["typ"] = "JWT" }));
        var claims = new Dictionary<string, object>
        {
            ["iss"] = "https://accounts.google.com",
            ["aud"] = audience ?? GoogleAudience,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = (expires ?? now.AddHours(1)).ToUnixTimeSeconds(),
            ["google"] = new Dictionary<string, object> { ["compute_engine"] = new Dictionary<string, string> { ["instance_id"] = instanceId, ["zone"] = "europe-west1-b" } },
        };
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = (key ?? GoogleKey).SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + Base64Url(signature);
    }

    public void Dispose()
    {
        AwsKey.Dispose();
        AzureRootKey.Dispose();
        GoogleKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static X509Certificate2 WithKey(X509Certificate2 certificate, RSA key) =>
        certificate.HasPrivateKey ? certificate : certificate.CopyWithPrivateKey(key);

    private static X509Certificate2 SelfSigned(string subject, RSA key, bool ca)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        if (ca)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }

        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow.AddYears(5));
    }
}
