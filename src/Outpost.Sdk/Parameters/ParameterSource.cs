namespace Outpost.Sdk.Parameters;

/// <summary>Where a build's parameter value came from; shown to users so a surprise value can be traced.</summary>
public enum ParameterSource
{
    /// <summary>The template's default.</summary>
    Default,

    /// <summary>Carried over from the previous build.</summary>
    Previous,

    /// <summary>Given by the user for this build.</summary>
    User,
}
