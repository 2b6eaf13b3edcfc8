using System.CommandLine;
using System.Diagnostics;
using Outpost.Cli.Agent;
using Outpost.Cli.Auth;
using Outpost.Cli.Invocations;
using Outpost.Cli.Provisioners;
using Outpost.Cli.Server;
using Outpost.Cli.Telemetry;
using Outpost.Cli.Terraform;
using Outpost.Cli.Templates;
using Outpost.Cli.Tokens;
using Outpost.Cli.Workspaces;
using Outpost.Sdk.Provisioning;
using Outpost.Telemetry;
using Outpost.Telemetry.Local;

namespace Outpost.Cli.Hosting;

/// <summary>The <c>outpost</c> command tree, bound to one invocation's context.</summary>
internal static class CliApp
{
    public const string NoTelemetryOption = "--no-telemetry";

    /// <summary>
    /// How long a command may take to wind down after SIGINT/SIGTERM before the process exits anyway.
    /// System.CommandLine's default is 2 s; long-running verbs (a provisioner daemon finishing its
    /// build, the server draining) need their own grace periods to be honoured.
    /// </summary>
    public static readonly TimeSpan TerminationTimeout = TimeSpan.FromMinutes(3);

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Outpost: self-hosted remote development workspaces that explain their failures.");
        root.Options.Add(new Option<bool>(NoTelemetryOption)
        {
            Description = "Record no local telemetry for this command (OUTPOST_TELEMETRY=off turns it off everywhere).",
            Recursive = true,
        });
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(ProvisionerdCommand.Create(context));
        root.Subcommands.Add(LoginCommand.Create(context));
        root.Subcommands.Add(LogoutCommand.Create(context));
        root.Subcommands.Add(WhoamiCommand.Create(context));
        root.Subcommands.Add(TokensCommand.Create(context));
        root.Subcommands.Add(Secrets.SecretsCommand.Create(context));
        root.Subcommands.Add(TelemetryCommand.Create());
        root.Subcommands.Add(TemplatesCommand.Create(context));
        root.Subcommands.Add(CreateCommand.Create(context));
        root.Subcommands.Add(ListCommand.Create(context));
        root.Subcommands.Add(ShowCommand.Create(context));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Start));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Stop));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Delete));
        root.Subcommands.Add(RestartCommand.Create(context));
        root.Subcommands.Add(UpdateCommand.Create(context));
        root.Subcommands.Add(LogsCommand.Create(context));
        root.Subcommands.Add(WatchCommand.Create(context));
        root.Subcommands.Add(ProvisionerCommand.Create(context));
        root.Subcommands.Add(AgentCommand.Create(context));
        root.Subcommands.Add(TerraformProviderCommand.Create(context));
        root.Subcommands.Add(Connect.SshCommand.Create(context));
        root.Subcommands.Add(Connect.PortForwardCommand.Create(context));
        root.Subcommands.Add(Connect.ConnectionsCommand.Create(context));
        root.Subcommands.Add(Connect.PingCommand.Create(context));
        root.Subcommands.Add(Diagnose.DiagnoseCommand.Create(context));
        root.Subcommands.Add(SshConfig.ConfigSshCommand.Create(context));
        root.Subcommands.Add(Workflows.WorkflowCommand.Create(context));
        root.Subcommands.Add(Tasks.TasksCommand.Create(context));
        root.Subcommands.Add(Users.UsersCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs one command line, recording its <c>cli_invocation</c> entry.</summary>
    public static async Task<int> RunAsync(CliContext context, string[] args)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var root = Build(context);
        var telemetryOff = args.Contains(NoTelemetryOption, StringComparer.Ordinal);
        if (telemetryOff && context.Telemetry is TelemetryService service)
        {
            service.SetLevel(TelemetryLevel.Off);
        }

        var recorder = new InvocationRecorder(context.Telemetry, context.Time, context.Environment, context.Prompter is not null);
        context.InvocationId = recorder.InvocationId;
        var info = CommandInfo.Unparsed;
        int exitCode;
        try
        {
            var parsed = root.Parse(args);
            info = CommandInfoExtractor.Extract(parsed);
            if (TelemetryCommand.IsInspection(parsed) && context.Telemetry is TelemetryService inspected
                && !Directory.Exists(TelemetryPaths.ResolveDirectory(context.Environment)))
            {
                inspected.SetLevel(TelemetryLevel.Off);
            }
            var configuration = new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TerminationTimeout,
            };
            var agent = AgentCommand.HandlesOwnSignals(parsed);
            if (agent)
            {
                configuration.ProcessTerminationTimeout = null;
            }

            // One span per short invocation; its requests carry its traceparent. The server exports its own spans; an
            // agent's or a daemon's process exports the spans of its start and its jobs, not one for its whole life.
            var longRunning = agent || info.Command is "server" or "provisionerd";
            using var tracing = info.Command == "server" ? null : CliTracing.Start(context.Environment, agent ? "outpost-agent" : info.Command == "provisionerd" ? "outpost-provisionerd" : "outpost-cli");
            using var span = longRunning || tracing is null ? null : CliTracing.ActivitySource.StartActivity($"outpost {info.Command}", ActivityKind.Client);
            span?.SetTag("outpost.invocation.id", recorder.InvocationId);
            exitCode = await parsed.InvokeAsync(configuration).ConfigureAwait(false);
            span?.SetTag("process.exit.code", exitCode);
            if (parsed.Errors.Count > 0 && exitCode == ExitCodes.Failure)
            {
                // System.CommandLine answers a command line it cannot parse with 1; ours is 2 (usage).
                exitCode = ExitCodes.Usage;
            }
        }
#pragma warning disable CA1031 // The last line of defence: one clear line instead of a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await context.Error.WriteLineAsync($"error: internal error ({e.GetType().Name}): {e.Message}").ConfigureAwait(false);
            await context.Error.WriteLineAsync("This is a bug in outpost; please report it with the command you ran.").ConfigureAwait(false);
            recorder.Record(info, ExitCodes.InternalError, e);
            return ExitCodes.InternalError;
        }

        recorder.Record(info, exitCode, failure: context.Failure);
        return exitCode;
    }
}
