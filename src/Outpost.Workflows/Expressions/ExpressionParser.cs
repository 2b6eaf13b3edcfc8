using System.Globalization;
using System.Text;

namespace Outpost.Workflows.Expressions;

/// <summary>
/// A recursive-descent parser for the inside of <c>${{ }}</c>. Precedence, loosest first:
/// <c>||</c>, <c>&amp;&amp;</c>, <c>== !=</c>, <c>&lt; &lt;= &gt; &gt;=</c>, <c>!</c>, then
/// member access, indexing and calls. Strings are single-quoted (<c>''</c> for a quote) or
/// double-quoted (backslash escapes). Bounded in length and depth.
/// </summary>
internal sealed class ExpressionParser
{
    public const int MaxLength = 4096;
    public const int MaxDepth = 64;

    private readonly string _text;
    private int _position;
    private int _depth;

    private ExpressionParser(string text) => _text = text;

    public static Expression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new ExpressionException($"expression is longer than {MaxLength} characters");
        }

        var parser = new ExpressionParser(text);
        var expression = parser.ParseOr();
        parser.SkipSpace();
        if (parser._position < text.Length)
        {
            throw parser.Error($"unexpected \"{text[parser._position]}\"");
        }

        return expression;
    }

    private ExpressionException Error(string problem) =>
        new($"in expression \"{_text.Trim()}\" at position {_position + 1}: {problem}");

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (Accept("||"))
        {
            left = new Expression.Binary("||", left, ParseAnd());
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseEquality();
        while (Accept("&&"))
        {
            left = new Expression.Binary("&&", left, ParseEquality());
        }

        return left;
    }

    private Expression ParseEquality()
    {
        var left = ParseComparison();
        while (true)
        {
            if (Accept("=="))
            {
                left = new Expression.Binary("==", left, ParseComparison());
            }
            else if (Accept("!="))
            {
                left = new Expression.Binary("!=", left, ParseComparison());
            }
            else
            {
                return left;
            }
        }
    }

    private Expression ParseComparison()
    {
        var left = ParseUnary();
        while (true)
        {
            var op = Accept("<=") ? "<=" : Accept(">=") ? ">=" : Accept("<") ? "<" : Accept(">") ? ">" : null;
            if (op is null)
            {
                return left;
            }

            left = new Expression.Binary(op, left, ParseUnary());
        }
    }

    private Expression ParseUnary()
    {
        SkipSpace();
        if (Peek('!') && !(_position + 1 < _text.Length && _text[_position + 1] == '='))
        {
            _position++;
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new Expression.Not(operand);
        }

        return ParsePostfix();
    }

    private Expression ParsePostfix()
    {
        var expression = ParsePrimary();
        while (true)
        {
            SkipSpace();
            if (Peek('.'))
            {
                _position++;
                expression = new Expression.Member(expression, Identifier() ?? throw Error("expected a property name after \".\""));
            }
            else if (Peek('['))
            {
                _position++;
                Enter();
                var key = ParseOr();
                _depth--;
                Expect(']');
                expression = new Expression.Index(expression, key);
            }
            else
            {
                return expression;
            }
        }
    }

    private Expression ParsePrimary()
    {
        SkipSpace();
        if (_position >= _text.Length)
        {
            throw Error("unexpected end of expression");
        }

        var c = _text[_position];
        if (c == '(')
        {
            _position++;
            Enter();
            var inner = ParseOr();
            _depth--;
            Expect(')');
            return inner;
        }

        if (c is '\'' or '"')
        {
            return new Expression.Literal(String(c));
        }

        if (char.IsAsciiDigit(c) || c == '-' && _position + 1 < _text.Length && char.IsAsciiDigit(_text[_position + 1]))
        {
            return new Expression.Literal(Number());
        }

        var start = _position;
        var name = Identifier() ?? throw Error($"unexpected \"{c}\"");
        switch (name)
        {
            case "true":
                return new Expression.Literal(true);
            case "false":
                return new Expression.Literal(false);
            case "null":
                return new Expression.Literal(null);
        }

        SkipSpace();
        if (!Peek('('))
        {
            return new Expression.Name(name);
        }

        if (!ExpressionFunctions.IsKnown(name))
        {
            _position = start;
            throw Error($"unknown function \"{name}\"; the functions are {string.Join(", ", ExpressionFunctions.Names)}");
        }

        _position++;
        Enter();
        var arguments = new List<Expression>();
        SkipSpace();
        if (!Peek(')'))
        {
            do
            {
                arguments.Add(ParseOr());
            }
            while (Accept(","));
        }

        _depth--;
        Expect(')');
        return new Expression.Call(name, arguments);
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"nested deeper than {MaxDepth} levels");
        }
    }

    private string? Identifier()
    {
        SkipSpace();
        var start = _position;
        if (_position < _text.Length && (char.IsAsciiLetter(_text[_position]) || _text[_position] == '_'))
        {
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] is '_' or '-'))
            {
                _position++;
            }
        }

        return _position > start ? _text[start.._position] : null;
    }

    private object Number()
    {
        var start = _position;
        _position++;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] is '.' or 'e' or 'E'))
        {
            _position++;
        }

        var literal = _text[start.._position];
        if (long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return number;
        }

        _position = start;
        throw Error($"\"{literal}\" is not a number");
    }

    private string String(char quote)
    {
        var start = _position++;
        var value = new StringBuilder();
        while (_position < _text.Length)
        {
            var c = _text[_position++];
            if (c == quote)
            {
                if (quote == '\'' && _position < _text.Length && _text[_position] == '\'')
                {
                    value.Append('\'');
                    _position++;
                    continue;
                }

                return value.ToString();
            }

            if (c == '\\' && quote == '"' && _position < _text.Length)
            {
                var escaped = _text[_position++];
                value.Append(escaped switch { 'n' => '\n', 't' => '\t', _ => escaped });
                continue;
            }

            value.Append(c);
        }

        _position = start;
        throw Error("the string is not closed");
    }

    private bool Accept(string token)
    {
        SkipSpace();
        if (string.CompareOrdinal(_text, _position, token, 0, token.Length) != 0)
        {
            return false;
        }

        _position += token.Length;
        return true;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (!Peek(c))
        {
            throw Error(_position >= _text.Length ? $"expected \"{c}\" before the end" : $"expected \"{c}\", found \"{_text[_position]}\"");
        }

        _position++;
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }
}
