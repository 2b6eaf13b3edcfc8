namespace Outpost.Workflows.Expressions;

/// <summary>The only functions an expression can call: string and collection helpers without side effects.</summary>
internal static class ExpressionFunctions
{
    private static readonly Dictionary<string, (int Min, int Max, Func<IReadOnlyList<object?>, object?> Body)> Functions = new(StringComparer.Ordinal)
    {
        ["contains"] = (2, 2, args => args[0] switch
        {
            string text => text.Contains(Text(args[1]), StringComparison.Ordinal),
            IReadOnlyList<object?> list => list.Any(item => ExpressionValues.AreEqual(item, args[1])),
            IReadOnlyDictionary<string, object?> map => args[1] is string key && map.ContainsKey(key),
            null => false,
            var other => throw new ExpressionException($"contains() cannot search a {ExpressionValues.KindOf(other)}"),
        }),
        ["startsWith"] = (2, 2, args => Text(args[0]).StartsWith(Text(args[1]), StringComparison.Ordinal)),
        ["endsWith"] = (2, 2, args => Text(args[0]).EndsWith(Text(args[1]), StringComparison.Ordinal)),
        ["lower"] = (1, 1, args => Text(args[0]).ToLowerInvariant()),
        ["upper"] = (1, 1, args => Text(args[0]).ToUpperInvariant()),
        ["trim"] = (1, 1, args => Text(args[0]).Trim()),
        ["replace"] = (3, 3, args => Text(args[1]).Length == 0 ? Text(args[0]) : Text(args[0]).Replace(Text(args[1]), Text(args[2]), StringComparison.Ordinal)),
        ["split"] = (2, 2, args => Text(args[0]).Split(Text(args[1])).Select(part => (object?)part).ToList()),
        ["join"] = (1, 2, args => args[0] is IReadOnlyList<object?> list
            ? string.Join(args.Count > 1 ? Text(args[1]) : ",", list.Select(ExpressionValues.ToText))
            : ExpressionValues.ToText(args[0])),
        ["length"] = (1, 1, args => (long)(args[0] switch
        {
            null => 0,
            string text => text.Length,
            IReadOnlyList<object?> list => list.Count,
            IReadOnlyDictionary<string, object?> map => map.Count,
            var other => throw new ExpressionException($"length() of a {ExpressionValues.KindOf(other)} is not defined"),
        })),
        ["format"] = (1, 16, args => Format(Text(args[0]), args.Skip(1).ToList())),
        ["toJson"] = (1, 1, args => ExpressionValues.ToJson(args[0], indented: false)),
        ["string"] = (1, 1, args => ExpressionValues.ToText(args[0])),
    };

    public static IEnumerable<string> Names => Functions.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => Functions.ContainsKey(name);

    public static object? Call(string name, IReadOnlyList<object?> arguments)
    {
        var (min, max, body) = Functions[name];
        if (arguments.Count < min || arguments.Count > max)
        {
            throw new ExpressionException(min == max
                ? $"{name}() takes {min} argument(s), not {arguments.Count}"
                : $"{name}() takes {min} to {max} arguments, not {arguments.Count}");
        }

        return body(arguments);
    }

    private static string Text(object? value) => value switch
    {
        IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> => throw new ExpressionException($"expected a string, got a {ExpressionValues.KindOf(value)}"),
        _ => ExpressionValues.ToText(value),
    };

    /// <summary><c>format('{0}-{1}', a, b)</c>; <c>{{</c> and <c>}}</c> are literal braces.</summary>
    private static string Format(string pattern, IReadOnlyList<object?> values)
    {
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '{' && i + 1 < pattern.Length && pattern[i + 1] == '{' || c == '}' && i + 1 < pattern.Length && pattern[i + 1] == '}')
            {
                result.Append(c);
                i++;
                continue;
            }

            if (c != '{')
            {
                result.Append(c);
                continue;
            }

            var close = pattern.IndexOf('}', i);
            if (close < 0 || !int.TryParse(pattern.AsSpan(i + 1, close - i - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) || index >= values.Count)
            {
                throw new ExpressionException($"format() pattern \"{pattern}\" has a bad placeholder at {i + 1}");
            }

            result.Append(ExpressionValues.ToText(values[index]));
            i = close;
        }

        return result.ToString();
    }
}
