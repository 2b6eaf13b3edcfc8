namespace Outpost.Provisioner.Templates;

internal sealed record TemplateAgent
{
    public static readonly TimeSpan DefaultScriptTimeout = TimeSpan.FromSeconds(300);

    public required string Name { get; init; }

    /// <summary>As written: null (the workspace directory), <c>~</c>-relative, absolute, or relative to the workspace directory.</summary>
    public string? Directory { get; init; }

    /// <summary>Null means the operating system of the machine the local provisioner runs on.</summary>
    public string? Os { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public string? StartupScript { get; init; }

    /// <summary><see cref="TimeSpan.Zero"/> means no timeout.</summary>
    public TimeSpan StartupScriptTimeout { get; init; } = DefaultScriptTimeout;

    public string? ShutdownScript { get; init; }

    /// <summary><see cref="TimeSpan.Zero"/> means no timeout.</summary>
    public TimeSpan ShutdownScriptTimeout { get; init; } = DefaultScriptTimeout;

    public IReadOnlyList<TemplateApp> Apps { get; init; } = [];

    /// <summary>The owner's secrets this agent receives on start builds.</summary>
    public IReadOnlyList<TemplateSecret> Secrets { get; init; } = [];
}
