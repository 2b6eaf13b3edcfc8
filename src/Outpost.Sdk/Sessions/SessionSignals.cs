namespace Outpost.Sdk.Sessions;

/// <summary>The signals a client may send, by name, with their Linux numbers.</summary>
public static class SessionSignals
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["KILL"] = 9, ["USR1"] = 10, ["USR2"] = 12, ["TERM"] = 15,
        ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["WINCH"] = 28,
    };

    /// <summary>The signal's number, or null for a name that is not allowed.</summary>
    public static int? Number(string name) => Numbers.TryGetValue(name, out var number) ? number : null;

    /// <summary>The name of a signal number, or <c>SIG{n}</c> for one without a name here.</summary>
    public static string Name(int number) => Numbers.FirstOrDefault(p => p.Value == number).Key ?? $"SIG{number}";
}
