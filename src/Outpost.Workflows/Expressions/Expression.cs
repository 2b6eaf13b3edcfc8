namespace Outpost.Workflows.Expressions;

/// <summary>
/// The syntax tree of a <c>${{ }}</c> expression. The language is deliberately small: literals,
/// names, property and index access, calls to a fixed set of string and collection functions,
/// <c>!</c>, comparisons and <c>&amp;&amp;</c>/<c>||</c>. Nothing in it can run code, touch files or
/// reach the network: every function is one of <see cref="ExpressionFunctions"/>.
/// </summary>
internal abstract record Expression
{
    public sealed record Literal(object? Value) : Expression;

    public sealed record Name(string Identifier) : Expression;

    public sealed record Member(Expression Target, string Property) : Expression;

    public sealed record Index(Expression Target, Expression Key) : Expression;

    public sealed record Call(string Function, IReadOnlyList<Expression> Arguments) : Expression;

    public sealed record Not(Expression Operand) : Expression;

    public sealed record Binary(string Operator, Expression Left, Expression Right) : Expression;
}
