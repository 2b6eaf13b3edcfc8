namespace Outpost.Provisioner.Templates;

/// <summary>
/// An agent's use of one of the owner's secrets in outpost.yaml (docs/templates.md): which secret
/// (by its env binding <see cref="Env"/> or its file binding <see cref="File"/>, exactly one), and
/// where it goes: an env var of the agent (<see cref="ToEnv"/>) and/or a 0600 file inside the
/// workspace directory (<see cref="ToFile"/>, relative to it).
/// </summary>
internal sealed record TemplateSecret
{
    public string? Env { get; init; }

    public string? File { get; init; }

    public string? ToEnv { get; init; }

    public string? ToFile { get; init; }

    public string? HelpMessage { get; init; }

    /// <summary>A missing optional secret is left out; a missing required one fails the start build.</summary>
    public bool Optional { get; init; }
}
