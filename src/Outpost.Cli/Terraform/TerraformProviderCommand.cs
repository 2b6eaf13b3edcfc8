using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Cli.Hosting;
using Outpost.TerraformProvider.Hosting;

namespace Outpost.Cli.Terraform;

/// <summary>
/// <c>outpost terraform-provider</c>: the Outpost Terraform provider (plugin protocol 6). Terraform
/// starts it; the terraform provisioner points Terraform at this binary through a generated CLI
/// configuration, so no registry is involved.
/// </summary>
internal static class TerraformProviderCommand
{
    public const string Name = "terraform-provider";

    public static Command Create(CliContext context)
    {
        var command = new Command(Name, "Serve the Outpost Terraform provider (Terraform runs this; see docs/terraform.md).") { Hidden = true };
        command.SetAction(async (_, cancellationToken) =>
        {
            // stdout carries the handshake line only; logs go to stderr, where Terraform collects them.
            using var loggers = LoggerFactory.Create(logging =>
            {
                logging.AddSimpleConsole(options => options.SingleLine = true).AddFilter(level => level >= LogLevel.Warning);
                logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            });
            return await ProviderHost.RunAsync(Console.Out, context.Error, System.Environment.GetEnvironmentVariable, loggers, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
