using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Agent;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Agents;

namespace Outpost.Cli.Agent;

/// <summary>
/// <c>outpost agent</c>: the workspace agent, configured from the environment the provisioner sets
/// (<c>OUTPOST_AGENT_URL</c>, <c>OUTPOST_AGENT_TOKEN</c>, <c>OUTPOST_AGENT_NAME</c>). Runs until SIGTERM,
/// SIGINT or a stop build, runs the shutdown scripts, reports the final lifecycle state and exits.
/// </summary>
internal static class AgentCommand
{
    public const string Name = "agent";

    public static Command Create(CliContext context)
    {
        var command = new Command(Name, "Run the workspace agent (started by a provisioner inside a workspace).");
        command.SetAction(async (_, _) => await RunAsync(context).ConfigureAwait(false));
        return command;
    }

    /// <summary>The agent handles SIGTERM itself: its shutdown scripts may take longer than the parser's termination grace.</summary>
    public static bool HandlesOwnSignals(ParseResult result) => result.CommandResult.Command.Name == Name;

    internal static (AgentConfiguration? Options, string? Token, IReadOnlyList<string> Errors) ReadConfiguration(Func<string, string?> environment)
    {
        List<string> errors = [];
        var url = environment(AgentEnvironment.AgentUrl);
        var token = environment(AgentEnvironment.AgentToken);
        string? fileError = null;
        if (string.IsNullOrWhiteSpace(token) && environment(AgentEnvironment.AgentTokenFile) is { Length: > 0 } tokenFile)
        {
            (token, fileError) = TakeTokenFile(tokenFile);
            if (fileError is not null)
            {
                errors.Add(fileError);
            }
        }

        Uri? serverUrl = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add($"{AgentEnvironment.AgentUrl} is not set: it must hold the server's URL, e.g. http://127.0.0.1:3000 (the provisioner sets it when it starts the agent)");
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out serverUrl) || serverUrl.Scheme is not ("http" or "https"))
        {
            errors.Add($"{AgentEnvironment.AgentUrl}=\"{url}\" is not an http or https URL");
            serverUrl = null;
        }

        if (string.IsNullOrWhiteSpace(token) && fileError is null)
        {
            errors.Add($"{AgentEnvironment.AgentToken} is not set: it must hold this agent's token (the provisioner sets it when it starts the agent)");
        }

        var settings = new AgentSettings();
        if (environment(AgentEnvironment.AgentSshPort) is { Length: > 0 } sshPort)
        {
            if (int.TryParse(sshPort, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                settings = settings with { SshPort = port };
            }
            else
            {
                errors.Add($"{AgentEnvironment.AgentSshPort}=\"{sshPort}\" is not a TCP port (1-65535)");
            }
        }

        if (environment(AgentEnvironment.AgentDirectAddress) is { Length: > 0 } direct && direct != "off")
        {
            if (System.Net.IPEndPoint.TryParse(direct, out var endpoint) && direct.Contains(':', StringComparison.Ordinal))
            {
                settings = settings with { DirectAddress = endpoint };
            }
            else
            {
                errors.Add($"{AgentEnvironment.AgentDirectAddress}=\"{direct}\" is not IP:PORT (e.g. 127.0.0.1:0) or off");
            }
        }

        if (errors.Count > 0)
        {
            return (null, null, errors);
        }

        var options = new AgentConfiguration(serverUrl!, environment(AgentEnvironment.AgentName) is { Length: > 0 } name ? name : "agent", settings);
        return (options, token, errors);
    }

    /// <summary>Reads the token file and deletes it at once: once the agent runs, no file and no environment variable holds the token.</summary>
    internal static (string? Token, string? Error) TakeTokenFile(string path)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            File.Delete(path);
            return token.Length > 0 ? (token, null) : (null, $"{AgentEnvironment.AgentTokenFile}: the file {path} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{AgentEnvironment.AgentTokenFile}: cannot read the token file {path}: {e.Message}");
        }
    }

    private static async Task<int> RunAsync(CliContext context)
    {
        var (options, token, errors) = ReadConfiguration(context.Environment);
        if (options is null)
        {
            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        using var loggers = LoggerFactory.Create(logging =>
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            logging.SetMinimumLevel(LogLevel.Information);
        });
        var logger = loggers.CreateLogger("Outpost.Agent");
        using var agent = new AgentHost(options.ServerUrl, token!, options.AgentName, context.Time, logger, options.Settings);

        // The token stays in this process: scripts and anything they start never see it.
        Environment.SetEnvironmentVariable(AgentEnvironment.AgentToken, null);
        Environment.SetEnvironmentVariable(AgentEnvironment.AgentTokenFile, null);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        var final = await agent.RunAsync(CancellationToken.None).ConfigureAwait(false);
        return final switch
        {
            AgentLifecycleState.Off => ExitCodes.Success,
            AgentLifecycleState.Created => ExitCodes.AgentNeverStarted,
            _ => ExitCodes.AgentShutdownFailed,
        };

        void OnSignal(PosixSignalContext signal)
        {
            // Keep the process alive: the agent exits on its own once its shutdown scripts have run.
            signal.Cancel = true;
            agent.RequestShutdown(signal.Signal.ToString());
        }
    }
}

/// <summary>What the agent's environment configures: the server's URL, the agent's name and its settings.</summary>
internal sealed record AgentConfiguration(Uri ServerUrl, string AgentName, AgentSettings Settings);
