using System.Text;
using Outpost.Cli.Sessions;

namespace Outpost.Cli.Hosting;

/// <summary>Questions on stderr, answers from stdin; secrets are read without echo on a terminal.</summary>
internal sealed class TerminalPrompter(TextReader input, TextWriter prompts, bool echoOff) : IPrompter
{
    public static TerminalPrompter Console() =>
        new(System.Console.In, System.Console.Error, echoOff: !System.Console.IsInputRedirected);

    public async Task<string?> AskAsync(string question, string? defaultValue, CancellationToken cancellationToken)
    {
        await prompts.WriteAsync(defaultValue is null ? $"{question}: " : $"{question} [{defaultValue}]: ").ConfigureAwait(false);
        var answer = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            return null;
        }

        answer = answer.Trim();
        return answer.Length == 0 ? defaultValue : answer;
    }

    public async Task<bool> ConfirmAsync(string question, CancellationToken cancellationToken)
    {
        var answer = await AskAsync($"{question} [Y/n]", null, cancellationToken).ConfigureAwait(false);
        return answer is not null && (answer.Length == 0 || answer.StartsWith('y') || answer.StartsWith('Y'));
    }

    public async Task<string?> AskSecretAsync(string question, CancellationToken cancellationToken)
    {
        await prompts.WriteAsync($"{question}: ").ConfigureAwait(false);
        if (!echoOff)
        {
            return await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }

        var secret = new StringBuilder();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                await prompts.WriteLineAsync().ConfigureAwait(false);
                return secret.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (secret.Length > 0)
                {
                    secret.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }
    }

    public async Task<string?> PromptPasswordAsync(string url, string email, CancellationToken cancellationToken)
    {
        await prompts.WriteLineAsync($"Your session with {url} has expired.").ConfigureAwait(false);
        var password = await AskSecretAsync($"Password for {email} (empty to give up)", cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(password) ? null : password;
    }
}
