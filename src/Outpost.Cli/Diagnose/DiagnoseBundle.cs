using Outpost.Cli.Hosting;

namespace Outpost.Cli.Diagnose;

/// <summary><c>outpost diagnose WORKSPACE --bundle [-o FILE]</c> (issue 24): a support bundle of the workspace.</summary>
internal static class DiagnoseBundle
{
    public static async Task<int> RunAsync(CliContext context, string workspace, DateTimeOffset since, string? file, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Error.WriteLineAsync($"error: --bundle is not built yet (workspace {workspace}, since {since:O}, file {file ?? "default"})").ConfigureAwait(false);
        return ExitCodes.Failure;
    }
}
