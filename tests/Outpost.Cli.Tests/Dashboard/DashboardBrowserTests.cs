using Microsoft.Playwright;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Dashboard;

/// <summary>
/// Issue 26's "done means", in Debian's Chromium driven by Playwright against the real server with local workspaces:
/// sign in, create a workspace and see it go running live, run <c>echo</c> in the browser terminal, stop the workspace
/// and see the terminal say so, and find the stop in the timeline. Each page's screenshot lands in TestResults/dashboard.
/// </summary>
public sealed class DashboardBrowserTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>, IAsyncLifetime
{
    /// <summary>The system browser (<c>apt-get install chromium</c>; .ci/run installs it); Playwright cannot download its own here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string Screenshots = Path.Combine(RepositoryRoot(), "TestResults", "dashboard");
    private readonly List<string> _browserErrors = [];
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"{ChromiumPath} is missing: the dashboard's browser tests drive Debian's Chromium. Install it with `apt-get install chromium` (.ci/run does when it is missing).");
        }

        _playwright = await Playwright.CreateAsync();
        // Root may not use Chromium's sandbox; the tests browse only this server.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    [Fact]
    public async Task Sign_in_create_a_workspace_run_echo_in_its_terminal_stop_it_and_find_the_stop_in_the_timeline()
    {
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);

        await using var context = await _browser!.NewContextAsync(new() { BaseURL = server.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            // A 4xx the page expects (the first visit's 401, a refused sign-in, a field error) is logged as a failed load, not a fault.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                _browserErrors.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => _browserErrors.Add($"page error: {error}");

        // Sign in: the page sends the signed-out visitor to the sign-in form, and back afterwards.
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByTestId("signin-form")).ToBeVisibleAsync();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(ClockedServerFixture.OwnerEmail);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("invalid email or password");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(ClockedServerFixture.OwnerPassword);
        await ScreenshotAsync(page, "1-sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(ClockedServerFixture.OwnerUsername);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workspaces" })).ToBeVisibleAsync();

        // Create, with the server's field error shown beside the field first.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create workspace" }).First.ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Not A Name!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("name-error")).ToContainTextAsync("is not valid");
        await ScreenshotAsync(page, "2-create-field-error");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("web");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();

        // The workspace page follows the build live (the watch stream) until the workspace runs with a ready agent.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "web" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("running", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("agent-lifecycle")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("build-logs")).Not.ToBeEmptyAsync();
        await ScreenshotAsync(page, "3-workspace");

        // The list shows it too (live over watch-all).
        await page.GetByRole(AriaRole.Link, new() { Name = "Workspaces" }).First.ClickAsync();
        var row = page.Locator("tr[data-workspace='web']");
        await Assertions.Expect(row.GetByTestId("workspace-status")).ToHaveTextAsync("running");
        await Assertions.Expect(row).ToContainTextAsync("main: connected, ready");
        await ScreenshotAsync(page, "4-workspaces");

        // The browser terminal: a PTY through the relay.
        await row.GetByRole(AriaRole.Link, new() { Name = "web" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Terminal" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("terminal-status")).ToContainTextAsync("Connected to main");
        await page.Locator(".xterm").ClickAsync();
        await page.Keyboard.TypeAsync("echo hello-$((40+2))\n");
        await Assertions.Expect(page.Locator(".xterm-rows")).ToContainTextAsync("hello-42");
        await ScreenshotAsync(page, "5-terminal");

        // Stop it from the terminal page: the relay closes the session with workspace_stopped, and the page says so.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await page.GetByTestId("confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("terminal-status")).ToContainTextAsync("The workspace stopped", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("stopped", new() { Timeout = 60_000 });
        await ScreenshotAsync(page, "6-terminal-stopped");

        // The timeline has the stop build and the session it ended.
        await page.GetByRole(AriaRole.Link, new() { Name = "Timeline" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-kind='build.queued']").Filter(new() { HasText = "transition=stop" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("tr[data-kind='session.closed']").Filter(new() { HasText = "disconnect_reason=workspace_stopped" })).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "7-timeline");

        Assert.True(_browserErrors.Count == 0, "the browser reported errors:\n" + string.Join("\n", _browserErrors));
    }

    private static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outpost.slnx")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
