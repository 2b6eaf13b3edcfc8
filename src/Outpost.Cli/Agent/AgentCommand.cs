using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Agent.Identity;
using Outpost.Agent;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;

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
        var auth = new Option<string?>("--auth")
        {
            Description = $"How to authenticate: {string.Join(", ", InstanceIdentityLogin.MethodNames)} (default: {InstanceIdentityLogin.AuthVariable}, else token)",
        };
        var agentName = new Option<string?>("--agent-name")
        {
            Description = $"This agent's name, which selects it among several on one instance (default: {AgentEnvironment.AgentName})",
        };
        command.Options.Add(auth);
        command.Options.Add(agentName);
        command.SetAction(async (result, _) =>
        {
            var flags = new Dictionary<string, string?>
            {
                [InstanceIdentityLogin.AuthVariable] = result.GetValue(auth),
                [AgentEnvironment.AgentName] = result.GetValue(agentName),
            };
            return await RunAsync(context, name => flags.GetValueOrDefault(name) ?? context.Environment(name)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The agent handles SIGTERM itself: its shutdown scripts may take longer than the parser's termination grace.</summary>
    public static bool HandlesOwnSignals(ParseResult result) => result.CommandResult.Command.Name == Name;

    internal static (AgentConfiguration? Options, string? Token, IReadOnlyList<string> Errors) ReadConfiguration(Func<string, string?> environment)
    {
        List<string> errors = [];
        var url = environment(AgentEnvironment.AgentUrl);
        var method = AgentAuthMethod.Token;
        var authText = environment(InstanceIdentityLogin.AuthVariable);
        if (authText is { Length: > 0 })
        {
            if (InstanceIdentityLogin.ParseMethod(authText) is { } parsed)
            {
                method = parsed;
            }
            else
            {
                // Whether a token is needed depends on the method; say only what is wrong.
                method = AgentAuthMethod.AwsInstanceIdentity;
                errors.Add($"--auth / {InstanceIdentityLogin.AuthVariable}: \"{authText}\" is not one of {string.Join(", ", InstanceIdentityLogin.MethodNames)}");
            }
        }

        Uri? metadataUrl = null;
        if (environment(InstanceIdentityLogin.MetadataUrlVariable) is { Length: > 0 } metadataText
            && (!Uri.TryCreate(metadataText, UriKind.Absolute, out metadataUrl) || metadataUrl.Scheme is not ("http" or "https")))
        {
            errors.Add($"{InstanceIdentityLogin.MetadataUrlVariable}=\"{metadataText}\" is not an http or https URL");
        }

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

        if (method == AgentAuthMethod.Token && string.IsNullOrWhiteSpace(token) && fileError is null)
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

        var name = InstanceIdentityApi.SelectorOf(environment(AgentEnvironment.AgentName));
        var options = new AgentConfiguration(serverUrl!, name ?? "agent", settings, method, name, metadataUrl);
        return (options, method == AgentAuthMethod.Token ? token : null, errors);
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

    private static async Task<int> RunAsync(CliContext context, Func<string, string?> environment)
    {
        var (options, token, errors) = ReadConfiguration(environment);
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
        if (options.Auth != AgentAuthMethod.Token)
        {
            using var stopping = new CancellationTokenSource();
            using var stopSignal = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => stopping.Cancel());
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => stopping.Cancel());
            try
            {
                token = await new InstanceIdentityLogin(options.ServerUrl, options.Auth, options.Selector, logger, context.Time, options.MetadataUrl)
                    .ExchangeAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return ExitCodes.AgentNeverStarted;
            }

            if (token is null)
            {
                return ExitCodes.AgentNeverStarted;
            }
        }

        using var agent = new AgentHost(options.ServerUrl, token!, options.AgentName, context.Time, logger, options.Settings, ProcessTrace.Inherited(environment), context.Telemetry);

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

/// <summary>
/// What the agent's environment (and flags) configure: the server's URL, the agent's name, its settings, how it
/// authenticates, the name it selects itself by on a shared instance (null when none was given), and the metadata service to ask.
/// </summary>
internal sealed record AgentConfiguration(Uri ServerUrl, string AgentName, AgentSettings Settings, AgentAuthMethod Auth, string? Selector, Uri? MetadataUrl);
