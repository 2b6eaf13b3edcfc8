namespace Outpost.Provisioner.Parameters;

/// <summary>Where a build's parameter value came from; shown to users so a surprise value can be traced.</summary>
internal enum ParameterSource
{
    Default,
    Previous,
    User,
}
