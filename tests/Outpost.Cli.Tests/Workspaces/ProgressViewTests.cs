using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces.Progress;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Telemetry;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class ProgressViewTests
{
    private readonly FakeTimeProvider _clock = new();

    private static ProvisionerJobLog Line(int i) => new()
    {
        Id = i, CreatedAt = DateTimeOffset.UnixEpoch, Level = ProvisionerLogLevel.Info, Source = ProvisionerLogSource.Provisioner, Stage = "Apply", Output = $"line {i}",
    };

    [Fact]
    public async Task On_a_terminal_the_block_is_redrawn_in_place_with_a_five_line_tail_and_the_elapsed_time()
    {
        using var error = new StringWriter();
        var view = new ProgressView(error, terminal: true, colour: false, _clock);
        await view.BeginAsync("owner/dev build #2 (start)");
        await view.StatusAsync(WorkspaceStatus.Starting);
        for (var i = 1; i <= 7; i++)
        {
            await view.LogAsync(Line(i));
        }

        _clock.Advance(TimeSpan.FromSeconds(12));
        await view.TickAsync();
        var last = error.ToString()[error.ToString().LastIndexOf("\u001b[6F\u001b[J", StringComparison.Ordinal)..];

        Assert.Contains("owner/dev build #2 (start) · starting · Apply · 12s\n", last, StringComparison.Ordinal);
        Assert.Contains("  │ [Apply] line 7\n", last, StringComparison.Ordinal);
        Assert.Contains("  │ [Apply] line 3\n", last, StringComparison.Ordinal);
        Assert.DoesNotContain("line 2", last, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[0m", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Elsewhere_it_prints_plain_lines_without_escape_codes()
    {
        using var error = new StringWriter();
        var view = new ProgressView(error, terminal: false, colour: false, _clock);
        await view.BeginAsync("owner/dev build #2 (stop)");
        await view.StatusAsync(WorkspaceStatus.Stopping);
        await view.StatusAsync(WorkspaceStatus.Stopping);
        await view.LogAsync(Line(1));
        _clock.Advance(TimeSpan.FromSeconds(3));
        await view.TickAsync();
        await view.EndAsync("done");

        Assert.Equal(
            "owner/dev build #2 (stop): queued\nowner/dev build #2 (stop): stopping (0.0s)\n  [Apply] line 1\ndone\n",
            error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Colour_paints_statuses_by_outcome()
    {
        var view = new ProgressView(TextWriter.Null, terminal: true, colour: true, _clock);

        Assert.Equal("\u001b[32mrunning\u001b[0m", view.Paint(WorkspaceStatus.Running));
        Assert.Equal("\u001b[31mfailed\u001b[0m", view.Paint(WorkspaceStatus.Failed));
        Assert.Equal("\u001b[33mstarting\u001b[0m", view.Paint(WorkspaceStatus.Starting));
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, "1", false)]
    [InlineData(false, null, false)]
    public void Colour_only_on_a_terminal_and_never_with_NO_COLOR(bool terminal, string? noColor, bool expected)
    {
        var context = new CliContext
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            Environment = name => name == "NO_COLOR" ? noColor : null,
            Time = _clock,
            Telemetry = NoopTelemetryReporter.Instance,
            Loggers = NullLoggerFactory.Instance,
            ErrorIsTerminal = terminal,
        };

        Assert.Equal(expected, context.Colour);
    }
}
