using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Cli.Hosting;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Client;

namespace Outpost.Cli.Provisioners;

/// <summary>
/// <c>outpost provisionerd start</c>: one provisioner daemon on this machine, working for a server
/// elsewhere, until SIGINT or SIGTERM; then the current build gets its grace period to finish.
/// </summary>
internal static class ProvisionerdCommand
{
    public const string UrlVariable = "OUTPOST_URL";
    public const string KeyVariable = "OUTPOST_PROVISIONER_KEY";
    public const string WorkspacesVariable = "OUTPOST_WORKSPACES_DIR";

    private static readonly TimeSpan PreflightTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(CliContext context)
    {
        var url = new Option<string?>("--url") { Description = $"The Outpost server's URL (env {UrlVariable})." };
        var key = new Option<string?>("--key") { Description = $"A provisioner key from the server (env {KeyVariable})." };
        var name = new Option<string?>("--name") { Description = "This daemon's name, shown with the jobs it runs. Default: the host name." };
        var provisioners = new Option<string[]>("--provisioners", "--provisioner")
        {
            Description = "The provisioners to run jobs for (local, terraform), comma-separated or repeated. Default: local.",
            AllowMultipleArgumentsPerToken = true,
        };
        var workspaces = new Option<string?>("--workspaces-dir")
        {
            Description = $"Where local workspaces live (env {WorkspacesVariable}). Default: $XDG_STATE_HOME/outpost/workspaces.",
        };

        var verbose = new Option<bool>("--verbose") { Description = "Log every job (acquired, succeeded, failed) to stderr, not only warnings." };
        var start = new Command("start", "Run a provisioner daemon until interrupted.") { url, key, name, provisioners, workspaces, verbose };
        start.SetAction(async (result, cancellationToken) =>
        {
            var flags = new Flags(
                result.GetValue(url) ?? context.Environment(UrlVariable),
                result.GetValue(key) ?? context.Environment(KeyVariable),
                result.GetValue(name) ?? System.Environment.MachineName,
                [.. (result.GetValue(provisioners) ?? []).SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                result.GetValue(workspaces) ?? context.Environment(WorkspacesVariable) ?? DefaultWorkspacesDirectory(context.Environment));
            if (!result.GetValue(verbose))
            {
                return await RunAsync(context, context.Loggers, flags, cancellationToken).ConfigureAwait(false);
            }

            // Logs are for people: stderr, like the rest of the CLI's diagnostics.
            using var loggers = LoggerFactory.Create(logging =>
            {
                logging.AddSimpleConsole(options => (options.SingleLine, options.TimestampFormat) = (true, "HH:mm:ss "))
                    .AddFilter(level => level >= LogLevel.Information);
                logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            });
            return await RunAsync(context, loggers, flags, cancellationToken).ConfigureAwait(false);
        });

        return new Command("provisionerd", "Run provisioner daemons that build workspaces for a server.") { start };
    }

    private static async Task<int> RunAsync(CliContext context, ILoggerFactory loggers, Flags flags, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        Uri? server = null;
        if (string.IsNullOrWhiteSpace(flags.Url))
        {
            errors.Add($"--url is required (or set {UrlVariable})");
        }
        else if (!Uri.TryCreate(flags.Url, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https"))
        {
            errors.Add($"--url \"{flags.Url}\" is not an http or https URL");
        }

        if (string.IsNullOrWhiteSpace(flags.Key))
        {
            errors.Add($"--key is required (or set {KeyVariable}); create one on the server");
        }

        var options = new ProvisionerDaemonOptions
        {
            Name = flags.Name,
            Provisioners = flags.Provisioners.Count > 0 ? flags.Provisioners : ["local"],
            WorkspacesDirectory = Path.GetFullPath(flags.WorkspacesDirectory),
        };
        errors.AddRange(ProvisionerDaemonHost.Check(options, loggers, context.Time));

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        var unreachable = await CheckReachableAsync(context, server!, cancellationToken).ConfigureAwait(false);
        if (unreachable is not null)
        {
            await context.Error.WriteLineAsync($"error: could not reach the Outpost server at {server}: {unreachable}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        await context.Error.WriteLineAsync(
            $"provisionerd {options.Name}: running {string.Join(", ", options.Provisioners)} jobs for {server}; workspaces in {options.WorkspacesDirectory}. Ctrl+C stops it after the current build.").ConfigureAwait(false);
        var exit = await ProvisionerDaemonHost.RunRemoteAsync(options, server!, flags.Key!, context.CreateTransport(), loggers, context.Time, cancellationToken).ConfigureAwait(false);
        if (exit.Error is not null)
        {
            await context.Error.WriteLineAsync($"error: the server refused this provisioner daemon ({exit.StatusCode}): {exit.Error}").ConfigureAwait(false);
            return exit.StatusCode is 401 or 403 ? ExitCodes.ProvisionerKeyRefused : ExitCodes.Failure;
        }

        await context.Error.WriteLineAsync($"provisionerd {options.Name}: stopped").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Null when the server answers; otherwise why not, so a typo in the URL fails now rather than retrying forever.</summary>
    private static async Task<string?> CheckReachableAsync(CliContext context, Uri server, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(PreflightTimeout);
        try
        {
            await context.Anonymous(server).GetBuildInfoAsync(deadline.Token).ConfigureAwait(false);
            return null;
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (OutpostApiException ex)
        {
            return $"it answered {ex.StatusCode}: {ex.Message} (is this an Outpost server?)";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {PreflightTimeout.TotalSeconds:0} s";
        }
    }

    private static string DefaultWorkspacesDirectory(Func<string, string?> environment)
    {
        var state = environment("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Join(environment("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Join(state, "outpost", "workspaces");
    }

    private sealed record Flags(string? Url, string? Key, string Name, IReadOnlyList<string> Provisioners, string WorkspacesDirectory);
}
