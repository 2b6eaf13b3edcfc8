using Microsoft.Extensions.Logging;
using Outpost.Agent.Scripts;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>What every session of the agent shares: limits, clock, log, and the workspace's environment.</summary>
internal sealed class SessionHost(AgentSessionOptions options, Func<ScriptContext> context, TimeProvider time, ILogger logger)
{
    public AgentSessionOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    /// <summary>Where a process starts: the header's directory, else the workspace's.</summary>
    public string DirectoryFor(SessionHeader header) =>
        !string.IsNullOrEmpty(header.Cwd) ? header.Cwd : context().WorkingDirectory;

    /// <summary>The agent's environment, the workspace's on top (null removes), the header's on top of that.</summary>
    public List<string> EnvironmentFor(SessionHeader header, IReadOnlyDictionary<string, string>? extra = null)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            merged[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        foreach (var (name, value) in context().Environment)
        {
            if (value is null)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = value;
            }
        }

        foreach (var source in new[] { header.Env, extra })
        {
            foreach (var (name, value) in source ?? new Dictionary<string, string>())
            {
                merged[name] = value;
            }
        }

        return [.. merged.Select(p => $"{p.Key}={p.Value}")];
    }

    /// <summary>Sends SIGTERM (or <paramref name="first"/>) to the group, then SIGKILL if it is still there after the grace.</summary>
    public async Task KillGroupAsync(ChildProcess process, int first)
    {
        if (!process.SignalGroup(first))
        {
            return;
        }

        try
        {
            await process.Exited.WaitAsync(Options.KillGrace, Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // It ignored the polite signal.
        }

        process.SignalGroup(SigKill);
    }

    public const int SigHup = 1;
    public const int SigTerm = 15;
    public const int SigKill = 9;
}
