namespace Outpost.Sdk.Parameters;

/// <summary>
/// The type of a template parameter; its wire name (<see cref="WireName{T}"/>) is what templates write
/// and the API carries: <c>string</c>, <c>number</c> or <c>bool</c>.
/// </summary>
public enum ParameterType
{
    /// <summary>Any text (the default).</summary>
    String,

    /// <summary>A decimal number, such as <c>2</c>, <c>-0.5</c> or <c>1e3</c>.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>, in any case; stored lowercase.</summary>
    Bool,
}
