namespace Outpost.Workflows.Expressions;

/// <summary>
/// Strings with <c>${{ }}</c> expressions (spec §9.8): a string that is one expression becomes the
/// expression's typed value; expressions inside a longer string are replaced by their text (null as
/// empty, objects and lists as indented JSON). Lists and mappings are resolved item by item.
/// </summary>
internal static class TemplateString
{
    private const string Open = "${{";
    private const string Close = "}}";

    public static bool HasExpression(string text) => text.Contains(Open, StringComparison.Ordinal);

    public static object? Evaluate(string text, IReadOnlyDictionary<string, object?> context)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Blank space around a lone expression (a YAML block scalar's newline, say) does not make it text.
        if (Split(text.Trim()) is [{ IsExpression: true } only])
        {
            return ExpressionEvaluator.Evaluate(only.Text, context);
        }

        var parts = Split(text);

        return string.Concat(parts.Select(part => part.IsExpression ? ExpressionValues.ToText(ExpressionEvaluator.Evaluate(part.Text, context)) : part.Text));
    }

    /// <summary>Resolves every string inside a value (task inputs): mappings and lists are rebuilt, other values kept.</summary>
    public static object? Resolve(object? value, IReadOnlyDictionary<string, object?> context) => value switch
    {
        string text when HasExpression(text) => Evaluate(text, context),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(pair => pair.Key, pair => Resolve(pair.Value, context), StringComparer.Ordinal),
        IReadOnlyList<object?> list => list.Select(item => Resolve(item, context)).ToList(),
        _ => value,
    };

    private static List<(bool IsExpression, string Text)> Split(string text)
    {
        var parts = new List<(bool, string)>();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf(Open, position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add((false, text[position..]));
                break;
            }

            var close = FindClose(text, open + Open.Length);
            if (close < 0)
            {
                throw new ExpressionException($"\"{text}\": the expression at {open + 1} is not closed with \"}}}}\"");
            }

            if (open > position)
            {
                parts.Add((false, text[position..open]));
            }

            parts.Add((true, text[(open + Open.Length)..close]));
            position = close + Close.Length;
        }

        return parts;
    }

    /// <summary>The closing braces, skipping any inside quoted strings.</summary>
    private static int FindClose(string text, int from)
    {
        char? quote = null;
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }
}
