using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Outpost.Server.Hosting;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// What instance identity documents are checked against. Every default is for the public clouds and can be
/// replaced (tests use a test CA):
/// <list type="bullet">
/// <item><c>OUTPOST_AWS_IDENTITY_CERTIFICATES</c>: a PEM file of certificates whose keys sign EC2 identity
/// documents (default: AWS's published certificates, built in).</item>
/// <item><c>OUTPOST_AZURE_IDENTITY_ROOTS</c>: a PEM file of the roots Azure's attested-data certificate must chain
/// to (default: the system's trusted roots).</item>
/// <item><c>OUTPOST_GOOGLE_IDENTITY_CERTIFICATES</c>: a file, or an http(s) URL, of Google's signing certificates as
/// JSON from key id to PEM (default: <see cref="GoogleIdentityKeys.DefaultUrl"/>).</item>
/// <item><c>OUTPOST_GOOGLE_IDENTITY_AUDIENCE</c>: the audience Google tokens must carry (default: the access URL).</item>
/// </list>
/// </summary>
internal sealed class InstanceIdentityOptions
{
    public const string AwsVariable = "OUTPOST_AWS_IDENTITY_CERTIFICATES";
    public const string AzureVariable = "OUTPOST_AZURE_IDENTITY_ROOTS";
    public const string GoogleVariable = "OUTPOST_GOOGLE_IDENTITY_CERTIFICATES";
    public const string GoogleAudienceVariable = "OUTPOST_GOOGLE_IDENTITY_AUDIENCE";

    /// <summary>The Google audience when neither the variable nor an access URL says one.</summary>
    public const string FallbackAudience = "outpost";

    /// <summary>Azure's metadata service names; the signing certificate's DNS name must be one of them or below one.</summary>
    public static readonly IReadOnlyList<string> AzureSubjectNames = ["metadata.azure.com", "metadata.azure.us", "metadata.azure.cn", "metadata.microsoftazure.de"];

    /// <summary>A PEM file replacing AWS's built-in certificates; null for the built-in ones.</summary>
    public string? AwsCertificatesFile { get; init; }

    /// <summary>A PEM file of Azure roots; null for the system's trusted roots.</summary>
    public string? AzureRootsFile { get; init; }

    /// <summary>A file path or URL of Google's certificates; null for <see cref="GoogleIdentityKeys.DefaultUrl"/>.</summary>
    public string? GoogleCertificates { get; init; }

    /// <summary>The audience Google tokens must name; null for the access URL.</summary>
    public string? GoogleAudience { get; init; }

    public static InstanceIdentityOptions Read(EnvironmentReader env, List<string> errors)
    {
        var options = new InstanceIdentityOptions
        {
            AwsCertificatesFile = env.Get(AwsVariable),
            AzureRootsFile = env.Get(AzureVariable),
            GoogleCertificates = env.Get(GoogleVariable),
            GoogleAudience = env.Get(GoogleAudienceVariable)?.Trim(),
        };
        foreach (var (variable, file) in new[] { (AwsVariable, options.AwsCertificatesFile), (AzureVariable, options.AzureRootsFile) })
        {
            if (file is not null && ReadPem(file, variable).Error is { } error)
            {
                errors.Add(error);
            }
        }

        if (options.GoogleCertificates is { } google && !IsUrl(google) && GoogleIdentityKeys.FromFile(google, TimeProvider.System).Error is { } googleError)
        {
            errors.Add($"{GoogleVariable}: {googleError} (give a file of JSON from key id to PEM certificate, or an http(s) URL serving one)");
        }

        return options;
    }

    /// <summary>The certificates AWS identity signatures must verify with.</summary>
    public X509Certificate2Collection AwsCertificates() =>
        AwsCertificatesFile is { } file ? ReadPem(file, AwsVariable).Certificates! : BuiltInAwsCertificates.Value;

    /// <summary>The Azure roots, or null for the system's.</summary>
    public X509Certificate2Collection? AzureRoots() => AzureRootsFile is { } file ? ReadPem(file, AzureVariable).Certificates : null;

    internal static bool IsUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static (X509Certificate2Collection? Certificates, string? Error) ReadPem(string path, string variable)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            return certificates.Count == 0 ? (null, $"{variable}: {path} holds no PEM certificate") : (certificates, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return (null, $"{variable}: cannot read certificates from {path}: {e.Message}");
        }
    }

    private static readonly Lazy<X509Certificate2Collection> BuiltInAwsCertificates = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Outpost.Server.Agents.Identity.aws-identity-certificates.pem")
            ?? throw new InvalidOperationException("the built-in AWS identity certificates are missing from the assembly");
        using var reader = new StreamReader(stream);
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(reader.ReadToEnd());
        return certificates;
    });
}
