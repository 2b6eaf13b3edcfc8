namespace Outpost.Cli.Sessions;

/// <summary>Asks the person at the terminal for their password again; the terminal is the boundary tests fake.</summary>
internal interface ILoginPrompter
{
    /// <summary>The password, or null when the person declined.</summary>
    public Task<string?> PromptPasswordAsync(string url, string email, CancellationToken cancellationToken);
}

/// <summary>Every question the CLI may ask a person; null answers mean "no answer" (end of input).</summary>
internal interface IPrompter : ILoginPrompter
{
    public Task<string?> AskAsync(string question, string? defaultValue, CancellationToken cancellationToken);

    public Task<bool> ConfirmAsync(string question, CancellationToken cancellationToken);

    public Task<string?> AskSecretAsync(string question, CancellationToken cancellationToken);
}
