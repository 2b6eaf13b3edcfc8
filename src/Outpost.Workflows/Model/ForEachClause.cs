namespace Outpost.Workflows.Model;

/// <summary>A step's <c>forEach</c>: the variable each iteration binds under <c>self</c>, and the expression that gives the array or object to iterate.</summary>
internal sealed record ForEachClause(string Item, string In);
