namespace Outpost.Sdk.Parameters;

/// <summary>One problem with the parameter values of a build.</summary>
/// <param name="Name">The parameter it concerns, or null when none applies.</param>
/// <param name="Message">What is wrong, for people.</param>
public sealed record ParameterError(string? Name, string Message)
{
    /// <summary>The message.</summary>
    /// <returns><see cref="Message"/>.</returns>
    public override string ToString() => Message;
}
