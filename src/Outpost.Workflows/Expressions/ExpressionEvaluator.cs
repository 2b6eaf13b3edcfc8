namespace Outpost.Workflows.Expressions;

/// <summary>
/// Evaluates an <see cref="Expression"/> against named values (<c>inputs</c>, <c>steps</c>,
/// <c>self</c>, <c>workflowRunId</c>…). An unknown top-level name is an error that lists the
/// known ones; a missing property of an object is null, as in GitHub Actions expressions.
/// </summary>
internal static class ExpressionEvaluator
{
    public static object? Evaluate(string text, IReadOnlyDictionary<string, object?> context)
    {
        var expression = ExpressionParser.Parse(text);
        try
        {
            return Evaluate(expression, context);
        }
        catch (ExpressionException ex)
        {
            throw new ExpressionException($"in expression \"{text.Trim()}\": {ex.Message}");
        }
    }

    public static object? Evaluate(Expression expression, IReadOnlyDictionary<string, object?> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        switch (expression)
        {
            case Expression.Literal literal:
                return literal.Value;
            case Expression.Name name:
                return context.TryGetValue(name.Identifier, out var value)
                    ? value
                    : throw new ExpressionException($"unknown name \"{name.Identifier}\"; known: {string.Join(", ", context.Keys.Order(StringComparer.Ordinal))}");
            case Expression.Member member:
                return Property(Evaluate(member.Target, context), member.Property);
            case Expression.Index index:
                return Element(Evaluate(index.Target, context), Evaluate(index.Key, context));
            case Expression.Call call:
                return ExpressionFunctions.Call(call.Function, [.. call.Arguments.Select(argument => Evaluate(argument, context))]);
            case Expression.Not not:
                return !ExpressionValues.IsTruthy(Evaluate(not.Operand, context));
            case Expression.Binary { Operator: "&&" } and:
                return ExpressionValues.IsTruthy(Evaluate(and.Left, context)) && ExpressionValues.IsTruthy(Evaluate(and.Right, context));
            case Expression.Binary { Operator: "||" } or:
                return ExpressionValues.IsTruthy(Evaluate(or.Left, context)) || ExpressionValues.IsTruthy(Evaluate(or.Right, context));
            case Expression.Binary binary:
                return Compare(binary.Operator, Evaluate(binary.Left, context), Evaluate(binary.Right, context));
            default:
                throw new InvalidOperationException($"unknown expression node {expression.GetType().Name}");
        }
    }

    private static object? Property(object? target, string property) => target switch
    {
        null => null,
        IReadOnlyDictionary<string, object?> map => map.TryGetValue(property, out var value) ? value : null,
        _ => throw new ExpressionException($"cannot read property \"{property}\" of a {ExpressionValues.KindOf(target)}"),
    };

    private static object? Element(object? target, object? key) => (target, key) switch
    {
        (null, _) => null,
        (IReadOnlyDictionary<string, object?> map, string name) => map.TryGetValue(name, out var value) ? value : null,
        (IReadOnlyList<object?> list, _) when ExpressionValues.IsNumber(key) => ExpressionValues.ToDouble(key) is var at && at >= 0 && at < list.Count && Math.Floor(at) == at ? list[(int)at] : null,
        _ => throw new ExpressionException($"cannot index a {ExpressionValues.KindOf(target)} with a {ExpressionValues.KindOf(key)}"),
    };

    private static bool Compare(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==":
                return ExpressionValues.AreEqual(left, right);
            case "!=":
                return !ExpressionValues.AreEqual(left, right);
        }

        int order;
        if (ExpressionValues.IsNumber(left) && ExpressionValues.IsNumber(right))
        {
            order = ExpressionValues.ToDouble(left).CompareTo(ExpressionValues.ToDouble(right));
        }
        else if (left is string a && right is string b)
        {
            order = string.CompareOrdinal(a, b);
        }
        else
        {
            throw new ExpressionException($"cannot compare a {ExpressionValues.KindOf(left)} with a {ExpressionValues.KindOf(right)} using {op}");
        }

        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        };
    }
}
