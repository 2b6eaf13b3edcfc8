namespace Outpost.Workflows.Expressions;

/// <summary>An expression that does not parse or does not evaluate; the message names the expression and what is wrong at which position.</summary>
internal sealed class ExpressionException(string message) : Exception(message);
