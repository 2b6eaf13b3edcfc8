namespace Outpost.Server.Hosting;

/// <summary>Reads environment variables through a delegate so option parsing is testable.</summary>
internal sealed class EnvironmentReader(Func<string, string?> read)
{
    public static EnvironmentReader Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>The variable's value, or null when it is unset or blank.</summary>
    public string? Get(string name)
    {
        var value = read(name);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
