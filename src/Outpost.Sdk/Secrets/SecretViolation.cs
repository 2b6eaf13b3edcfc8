namespace Outpost.Sdk.Secrets;

/// <summary>The field of a secret a violation is about, as its JSON name appears in requests.</summary>
public enum SecretField
{
    /// <summary><c>name</c>.</summary>
    Name,

    /// <summary><c>env_name</c>.</summary>
    Env,

    /// <summary><c>file_path</c>.</summary>
    File,

    /// <summary><c>value</c>.</summary>
    Value,

    /// <summary><c>description</c>.</summary>
    Description,
}

/// <summary>Which rule a violation broke, beyond the field's own form.</summary>
public enum SecretViolationKind
{
    /// <summary>The field's value is not acceptable.</summary>
    Invalid,

    /// <summary>The user would have more than <see cref="SecretRules.MaxSecretsPerUser"/> secrets.</summary>
    TooMany,

    /// <summary>The user's secrets would be larger than <see cref="SecretRules.MaxPayloadBytes"/> at build time.</summary>
    PayloadTooLarge,
}

/// <summary>A broken secret rule: the field, a message for people (never containing the value) and the kind.</summary>
/// <param name="Field">The field.</param>
/// <param name="Message">What is wrong and what would be accepted.</param>
/// <param name="Kind">Which rule.</param>
public sealed record SecretViolation(SecretField Field, string Message, SecretViolationKind Kind = SecretViolationKind.Invalid)
{
    /// <summary>The field's name on the wire: <c>name</c>, <c>env_name</c>, <c>file_path</c>, <c>value</c>, <c>description</c>.</summary>
    public string FieldName => Field switch
    {
        SecretField.Name => "name",
        SecretField.Env => "env_name",
        SecretField.File => "file_path",
        SecretField.Value => "value",
        _ => "description",
    };

    /// <summary>The stable problem code the server answers this violation with (<see cref="ProblemCodes"/>).</summary>
    public string Code => Kind switch
    {
        SecretViolationKind.TooMany => ProblemCodes.SecretLimitReached,
        SecretViolationKind.PayloadTooLarge => ProblemCodes.SecretPayloadTooLarge,
        _ => Field switch
        {
            SecretField.Name => ProblemCodes.SecretNameInvalid,
            SecretField.Env => ProblemCodes.SecretEnvInvalid,
            SecretField.File => ProblemCodes.SecretFileInvalid,
            SecretField.Value => ProblemCodes.SecretValueInvalid,
            _ => ProblemCodes.SecretDescriptionInvalid,
        },
    };
}
