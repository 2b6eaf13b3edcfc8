namespace Outpost.Sdk.Secrets;

/// <summary>
/// The error a start build fails with when its template requires a secret the owner does not have
/// (coder-spec §1, consumer side): labelled paragraphs "Missing required secret", "Required", an
/// optional "Help message" and "To resolve". The Terraform data source and the local provisioner say the same.
/// </summary>
public static class MissingSecret
{
    /// <summary>What is missing, as the summary names it.</summary>
    /// <param name="envName">The env binding the template asked for, or null.</param>
    /// <param name="filePath">The file binding the template asked for, or null.</param>
    /// <returns><c>environment variable "X"</c> or <c>file "P"</c>.</returns>
    public static string What(string? envName, string? filePath) =>
        envName is { Length: > 0 } ? $"environment variable \"{envName}\"" : $"file \"{filePath}\"";

    /// <summary>The summary line.</summary>
    /// <param name="envName">The env binding, or null.</param>
    /// <param name="filePath">The file binding, or null.</param>
    /// <returns>The summary.</returns>
    public static string Summary(string? envName, string? filePath) => $"Missing required secret: {What(envName, filePath)}";

    /// <summary>The paragraphs after the summary.</summary>
    /// <param name="envName">The env binding, or null.</param>
    /// <param name="filePath">The file binding, or null.</param>
    /// <param name="helpMessage">The template's help message; left out when empty.</param>
    /// <returns>The detail.</returns>
    public static string Detail(string? envName, string? filePath, string? helpMessage)
    {
        var what = What(envName, filePath);
        var option = envName is { Length: > 0 } ? $"--env {envName}" : $"--file {filePath}";
        var help = helpMessage is { Length: > 0 } ? $"\n\nHelp message: {helpMessage}" : string.Empty;
        return $"Required: this template needs a secret bound to the {what}.{help}\n\n"
            + $"To resolve: ensure a secret exposes the {what}, for example: outpost secrets create NAME {option}";
    }

    /// <summary>Summary and detail in one text.</summary>
    /// <param name="envName">The env binding, or null.</param>
    /// <param name="filePath">The file binding, or null.</param>
    /// <param name="helpMessage">The help message, or null.</param>
    /// <returns>The whole message.</returns>
    public static string Message(string? envName, string? filePath, string? helpMessage) =>
        $"{Summary(envName, filePath)}\n\n{Detail(envName, filePath, helpMessage)}";
}
