using System.Text;

namespace Outpost.Sdk.Secrets;

/// <summary>
/// How user secrets reach a build's plan step (coder-spec §1 "Environment-variable encoding"): a
/// secret bound to env name N becomes <c>OUTPOST_SECRET_ENV_N</c> (N as written), one bound to file
/// path P becomes <c>OUTPOST_SECRET_FILE_</c> followed by the lowercase hex of P's UTF-8 bytes (P as
/// written, <c>~</c> included). Both when both are set; nothing when neither is.
/// </summary>
public static class SecretEncoding
{
    /// <summary>The prefix of an env-bound secret's variable.</summary>
    public const string EnvPrefix = "OUTPOST_SECRET_ENV_";

    /// <summary>The prefix of a file-bound secret's variable.</summary>
    public const string FilePrefix = "OUTPOST_SECRET_FILE_";

    /// <summary>The prefixes of host variables a plan step's environment drops before the secrets go in, so a host value never wins.</summary>
    public static readonly IReadOnlyList<string> StrippedHostPrefixes = ["OUTPOST_SECRET_", "CODER_"];

    /// <summary>The variable an env-bound secret arrives in.</summary>
    /// <param name="envName">The env name, used exactly as given.</param>
    /// <returns>The variable's name.</returns>
    public static string EnvVariable(string envName) => EnvPrefix + envName;

    /// <summary>The variable a file-bound secret arrives in.</summary>
    /// <param name="filePath">The file path, used literally.</param>
    /// <returns>The variable's name.</returns>
    public static string FileVariable(string filePath) => FilePrefix + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(filePath));

    /// <summary>The variables a list of secrets becomes, in list order (a later secret with the same binding wins).</summary>
    /// <param name="secrets">The secrets, or null.</param>
    /// <returns>Variable name to value.</returns>
    public static IReadOnlyDictionary<string, string> Encode(IEnumerable<BuildSecret>? secrets)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in secrets ?? [])
        {
            if (!string.IsNullOrEmpty(secret.EnvName))
            {
                variables[EnvVariable(secret.EnvName)] = secret.Value;
            }

            if (!string.IsNullOrEmpty(secret.FilePath))
            {
                variables[FileVariable(secret.FilePath)] = secret.Value;
            }
        }

        return variables;
    }

    /// <summary>Whether a host variable must be dropped from a plan step's environment (<see cref="StrippedHostPrefixes"/>).</summary>
    /// <param name="name">The variable's name.</param>
    /// <returns>True to drop it.</returns>
    public static bool IsStrippedHostVariable(string name) =>
        StrippedHostPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// The bytes one secret adds to a build's environment, each entry counted as <c>NAME=VALUE</c>
    /// plus its NUL terminator: for an env binding 19 + len(name) + 1 + len(value) + 1, for a file
    /// binding 20 + 2 × len(path) + 1 + len(value) + 1, the sum when both are set, 0 when neither.
    /// Lengths are UTF-8 bytes. It equals what <see cref="Encode"/> emits.
    /// </summary>
    /// <param name="envName">The env name, or null.</param>
    /// <param name="filePath">The file path, or null.</param>
    /// <param name="valueBytes">The value's length in UTF-8 bytes.</param>
    /// <returns>The size in bytes.</returns>
    public static long WireSize(string? envName, string? filePath, int valueBytes)
    {
        long size = 0;
        if (!string.IsNullOrEmpty(envName))
        {
            size += EnvPrefix.Length + Encoding.UTF8.GetByteCount(envName) + 1 + valueBytes + 1;
        }

        if (!string.IsNullOrEmpty(filePath))
        {
            size += FilePrefix.Length + (2L * Encoding.UTF8.GetByteCount(filePath)) + 1 + valueBytes + 1;
        }

        return size;
    }
}
