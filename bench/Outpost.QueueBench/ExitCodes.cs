namespace Outpost.QueueBench;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The chaos run found a double claim, a lost job or a double completion.</summary>
    public const int InvariantBroken = 1;

    public const int Usage = 2;
}
