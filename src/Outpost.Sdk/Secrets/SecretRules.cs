using System.Text;
using System.Text.RegularExpressions;

namespace Outpost.Sdk.Secrets;

/// <summary>
/// What a user secret may be (coder-spec §1 "Budgets and validation", with Outpost's names): the
/// checks the CLI, the server and the provisioners share. Each check returns null when the input is
/// acceptable, else a <see cref="SecretViolation"/> naming the field and saying what is wrong.
/// </summary>
public static partial class SecretRules
{
    /// <summary>The largest value, in UTF-8 bytes: 32 KiB (an eighth of <see cref="MaxPayloadBytes"/>).</summary>
    public const int MaxValueBytes = 32 * 1024;

    /// <summary>The most secrets one user may keep.</summary>
    public const int MaxSecretsPerUser = 100;

    /// <summary>The largest build-time wire size of all of one user's secrets together (<see cref="SecretEncoding.WireSize"/>): 256 KiB.</summary>
    public const int MaxPayloadBytes = 256 * 1024;

    /// <summary>The longest file path, in UTF-8 bytes.</summary>
    public const int MaxFilePathBytes = 4096;

    /// <summary>The longest secret name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The longest description.</summary>
    public const int MaxDescriptionLength = 1000;

    /// <summary>
    /// Names a secret may not be bound to (compared case-insensitively): variables the shell, the
    /// login, the terminal or the agent relies on, which a secret must never replace.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedEnvNames =
    [
        "PATH", "HOME", "SHELL", "USER", "LOGNAME", "PWD", "OLDPWD", "LANG", "TERM", "IFS", "CDPATH", "ENV", "BASH_ENV",
        "TMPDIR", "TMP", "TEMP", "HOSTNAME", "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "EDITOR", "VISUAL",
        "PAGER", "VSCODE_PROXY_URI", "CS_DISABLE_GETTING_STARTED_OVERRIDE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
        "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
    ];

    /// <summary>
    /// Prefixes a secret's env name may not start with (case-insensitively): Outpost's and Coder's own
    /// variables (the bare words <c>OUTPOST</c> and <c>CODER</c> too), git's, the locale's and the dynamic loaders'.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedEnvPrefixes = ["OUTPOST_", "CODER_", "GIT_", "LC_", "LD_", "DYLD_"];

    private static readonly HashSet<string> Reserved = new(ReservedEnvNames, StringComparer.OrdinalIgnoreCase);

    /// <summary>Checks a secret's name: 1–64 letters, digits, <c>_</c>, <c>-</c> or <c>.</c>, starting with a letter or digit.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Null when valid.</returns>
    public static SecretViolation? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return new(SecretField.Name, "a secret name is required");
        }

        if (name.Length > MaxNameLength)
        {
            return new(SecretField.Name, $"the secret name is {name.Length} characters long; the limit is {MaxNameLength}");
        }

        return SecretName().IsMatch(name)
            ? null
            : new(SecretField.Name, $"the secret name \"{name}\" is not valid: use letters, digits, '_', '-' and '.', starting with a letter or digit");
    }

    /// <summary>
    /// Checks the env name a secret is bound to. Empty or null means "not bound to a variable" and is
    /// valid; otherwise a POSIX name that is neither reserved nor under a reserved prefix.
    /// </summary>
    /// <param name="envName">The name, or null.</param>
    /// <returns>Null when valid.</returns>
    public static SecretViolation? CheckEnvName(string? envName)
    {
        if (string.IsNullOrEmpty(envName))
        {
            return null;
        }

        if (!PosixName().IsMatch(envName))
        {
            return new(SecretField.Env, $"the environment variable name \"{Printable(envName)}\" must start with a letter or underscore and contain only letters, digits and underscores");
        }

        if (Reserved.Contains(envName))
        {
            return new(SecretField.Env, $"the environment variable name \"{envName}\" is reserved; pick another name");
        }

        foreach (var prefix in ReservedEnvPrefixes)
        {
            var bare = prefix[..^1];
            if (envName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || envName.Equals(bare, StringComparison.OrdinalIgnoreCase))
            {
                return new(SecretField.Env, $"the environment variable name \"{envName}\" uses the reserved prefix {prefix}; pick another name");
            }
        }

        return null;
    }

    /// <summary>
    /// Checks the file path a secret is bound to. Empty or null means "not bound to a file" and is
    /// valid; otherwise it starts with <c>~/</c> or <c>/</c>, has no NUL and is at most
    /// <see cref="MaxFilePathBytes"/> bytes. The path is kept as written (no <c>~</c> expansion).
    /// </summary>
    /// <param name="filePath">The path, or null.</param>
    /// <returns>Null when valid.</returns>
    public static SecretViolation? CheckFilePath(string? filePath)
    {
        if (string.IsNullOrEmpty(filePath))
        {
            return null;
        }

        if (filePath.Contains('\0', StringComparison.Ordinal))
        {
            return new(SecretField.File, "the file path must not contain a NUL byte");
        }

        if (!filePath.StartsWith("~/", StringComparison.Ordinal) && !filePath.StartsWith('/'))
        {
            return new(SecretField.File, $"the file path \"{filePath}\" must start with ~/ or /");
        }

        var bytes = Encoding.UTF8.GetByteCount(filePath);
        return bytes > MaxFilePathBytes
            ? new(SecretField.File, $"the file path is {bytes} bytes long; the limit is {MaxFilePathBytes}")
            : null;
    }

    /// <summary>Checks a value: no NUL byte, at most <see cref="MaxValueBytes"/> UTF-8 bytes. Empty, newlines and tabs are fine.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Null when valid. The message never repeats the value.</returns>
    public static SecretViolation? CheckValue(string? value)
    {
        if (value is null)
        {
            return new(SecretField.Value, "a value is required");
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            return new(SecretField.Value, "the value must not contain a NUL byte");
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        return bytes > MaxValueBytes
            ? new(SecretField.Value, $"the value is {bytes} bytes long; the limit is {MaxValueBytes} bytes")
            : null;
    }

    /// <summary>Checks a description: at most <see cref="MaxDescriptionLength"/> characters.</summary>
    /// <param name="description">The description, or null.</param>
    /// <returns>Null when valid.</returns>
    public static SecretViolation? CheckDescription(string? description) =>
        description is { Length: > MaxDescriptionLength }
            ? new(SecretField.Description, $"the description is {description.Length} characters long; the limit is {MaxDescriptionLength}")
            : null;

    /// <summary>
    /// Checks a user's secrets together, as they would be after a save: at most
    /// <see cref="MaxSecretsPerUser"/>, and their build-time wire size at most <see cref="MaxPayloadBytes"/>.
    /// </summary>
    /// <param name="count">How many secrets the user would have.</param>
    /// <param name="wireSize">Their summed <see cref="SecretEncoding.WireSize"/>.</param>
    /// <returns>Null when within the budgets.</returns>
    public static SecretViolation? CheckBudget(int count, long wireSize)
    {
        if (count > MaxSecretsPerUser)
        {
            return new(SecretField.Name, $"a user may keep at most {MaxSecretsPerUser} secrets; delete one first", SecretViolationKind.TooMany);
        }

        return wireSize > MaxPayloadBytes
            ? new(SecretField.Value, $"your secrets would take {wireSize} bytes at build time; the limit is {MaxPayloadBytes} bytes", SecretViolationKind.PayloadTooLarge)
            : null;
    }

    /// <summary>Every field check of one secret, in field order; the first violation wins.</summary>
    /// <param name="name">The name.</param>
    /// <param name="envName">The env name, or null.</param>
    /// <param name="filePath">The file path, or null.</param>
    /// <param name="value">The value.</param>
    /// <param name="description">The description, or null.</param>
    /// <returns>Null when valid.</returns>
    public static SecretViolation? Check(string? name, string? envName, string? filePath, string? value, string? description) =>
        CheckName(name) ?? CheckEnvName(envName) ?? CheckFilePath(filePath) ?? CheckValue(value) ?? CheckDescription(description);

    private static string Printable(string text) => text.Replace("\0", "\\0", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PosixName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
