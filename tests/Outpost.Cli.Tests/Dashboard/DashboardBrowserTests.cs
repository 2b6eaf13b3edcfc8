using Microsoft.Playwright;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Dashboard;

/// <summary>
/// Issue 26's "done means", in Debian's Chromium driven by Playwright against the real server with local workspaces:
/// sign in, create a workspace and see it go running live, run <c>echo</c> in the browser terminal, stop the workspace
/// and see the terminal say so, and find the stop in the timeline. Each page's screenshot lands in TestResults/dashboard.
/// </summary>
public sealed class DashboardBrowserTests(LocalWorkspacesFixture server) : DashboardBrowserTest, IClassFixture<LocalWorkspacesFixture>
{
    [Fact]
    public async Task Sign_in_create_a_workspace_run_echo_in_its_terminal_stop_it_and_find_the_stop_in_the_timeline()
    {
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);

        var page = await Browser.OpenAsync(server.BaseAddress);

        // Sign in: the page sends the signed-out visitor to the sign-in form, and back afterwards.
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByTestId("signin-form")).ToBeVisibleAsync();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(ClockedServerFixture.OwnerEmail);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("invalid email or password");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(ClockedServerFixture.OwnerPassword);
        await DashboardBrowser.ScreenshotAsync(page, "1-sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(ClockedServerFixture.OwnerUsername);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workspaces" })).ToBeVisibleAsync();

        // Create, with the server's field error shown beside the field first.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create workspace" }).First.ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Not A Name!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("name-error")).ToContainTextAsync("is not valid");
        await DashboardBrowser.ScreenshotAsync(page, "2-create-field-error");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("web");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();

        // The workspace page follows the build live (the watch stream) until the workspace runs with a ready agent.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "web" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("running", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("agent-lifecycle")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("build-logs")).Not.ToBeEmptyAsync();
        await DashboardBrowser.ScreenshotAsync(page, "3-workspace");

        // The list shows it too (live over watch-all).
        await page.GetByRole(AriaRole.Link, new() { Name = "Workspaces" }).First.ClickAsync();
        var row = page.Locator("tr[data-workspace='web']");
        await Assertions.Expect(row.GetByTestId("workspace-status")).ToHaveTextAsync("running");
        await Assertions.Expect(row).ToContainTextAsync("main: connected, ready");
        await DashboardBrowser.ScreenshotAsync(page, "4-workspaces");

        // The browser terminal: a PTY through the relay.
        await row.GetByRole(AriaRole.Link, new() { Name = "web" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Terminal" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("terminal-status")).ToContainTextAsync("Connected to main");
        await page.Locator(".xterm").ClickAsync();
        await page.Keyboard.TypeAsync("echo hello-$((40+2))\n");
        await Assertions.Expect(page.Locator(".xterm-rows")).ToContainTextAsync("hello-42");
        await DashboardBrowser.ScreenshotAsync(page, "5-terminal");

        // Stop it from the terminal page: the relay closes the session with workspace_stopped, and the page says so.
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await page.GetByTestId("confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("terminal-status")).ToContainTextAsync("The workspace stopped", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("stopped", new() { Timeout = 60_000 });
        await DashboardBrowser.ScreenshotAsync(page, "6-terminal-stopped");

        // The timeline has the stop build and the session it ended.
        await page.GetByRole(AriaRole.Link, new() { Name = "Timeline" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-kind='build.queued']").Filter(new() { HasText = "transition=stop" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("tr[data-kind='session.closed']").Filter(new() { HasText = "disconnect_reason=workspace_stopped" })).ToHaveCountAsync(1);
        await DashboardBrowser.ScreenshotAsync(page, "7-timeline");

        // The overview's connection log has the terminal's session and how it ended, linked to its place in the timeline.
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        var session = page.GetByTestId("connections").Locator("tr").Filter(new() { HasText = "workspace_stopped" });
        await Assertions.Expect(session).ToHaveCountAsync(1);
        await Assertions.Expect(session.Locator("td").First).ToHaveTextAsync("pty");
        await DashboardBrowser.ScreenshotAsync(page, "8-connections");
        await session.GetByRole(AriaRole.Link, new() { Name = "In the timeline" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr.focused[data-kind='session.opened']")).ToHaveCountAsync(1);

        // Start it again, then restart it: the page queues the stop build, and the start once the watch shows it stopped.
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("running", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("agent-lifecycle")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();
        await page.GetByTestId("confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();
        var builds = page.GetByTestId("builds").Locator("tbody tr");
        await Assertions.Expect(builds).ToHaveCountAsync(5, new() { Timeout = 90_000 });
        await Assertions.Expect(builds.First).ToContainTextAsync("start");
        await Assertions.Expect(builds.Nth(1)).ToContainTextAsync("stop");
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("running", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("agent-lifecycle")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await DashboardBrowser.ScreenshotAsync(page, "9-restarted");

        // No update while the workspace is on the active version; a new version offers one, which rebuilds on it.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Update" })).ToHaveCountAsync(0);
        var pushAgain = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(pushAgain.ExitCode == 0, pushAgain.Stderr);
        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Update" }).ClickAsync();
        await page.GetByTestId("confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Update" }).ClickAsync();
        await Assertions.Expect(builds).ToHaveCountAsync(6, new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByTestId("workspace-status")).ToHaveTextAsync("running", new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Update" })).ToHaveCountAsync(0);

        // Templates: the two versions with their import logs; activating the first makes it the active one again.
        await page.GetByRole(AriaRole.Link, new() { Name = "Templates" }).ClickAsync();
        await page.GetByTestId("templates").GetByRole(AriaRole.Link, new() { Name = "local-starter" }).ClickAsync();
        var versions = page.GetByTestId("versions").Locator("tbody tr");
        await Assertions.Expect(versions).ToHaveCountAsync(2);
        await Assertions.Expect(versions.First.GetByTestId("active-version")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("import-logs")).Not.ToBeEmptyAsync();
        await versions.Nth(1).GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await page.GetByTestId("confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
        await Assertions.Expect(versions.Nth(1).GetByTestId("active-version")).ToHaveCountAsync(1);
        await Assertions.Expect(versions.First.GetByTestId("active-version")).ToHaveCountAsync(0);
        await DashboardBrowser.ScreenshotAsync(page, "10-template");

        // The owner's pages: users (a bad username refused beside its field, then a member created) and the
        // deployment's health with the two built-in provisioner daemons in contact.
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-user='owner'] [data-testid='user-role']")).ToHaveTextAsync("owner");
        var form = page.GetByTestId("create-user-form");
        await form.GetByLabel("Email", new() { Exact = true }).FillAsync("dev2@example.com");
        await form.GetByLabel("Username", new() { Exact = true }).FillAsync("Not Valid!");
        await form.GetByLabel("Password", new() { Exact = true }).FillAsync("a-long-enough-password-2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("username-error")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("tr[data-user]")).ToHaveCountAsync(1);
        await form.GetByLabel("Username", new() { Exact = true }).FillAsync("dev2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-user='dev2'] [data-testid='user-role']")).ToHaveTextAsync("member");
        await DashboardBrowser.ScreenshotAsync(page, "11-users");
        await page.GetByRole(AriaRole.Link, new() { Name = "Deployment" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("database-health")).ToHaveTextAsync("healthy");
        await Assertions.Expect(page.GetByTestId("pubsub-health")).ToHaveTextAsync("healthy");
        await Assertions.Expect(page.GetByTestId("daemon-state").Filter(new() { HasText = "in contact" })).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("waiting-jobs")).ToContainTextAsync("No job is waiting");
        await DashboardBrowser.ScreenshotAsync(page, "12-deployment");

        Browser.AssertNoErrors();
    }
}

/// <summary>On a deployment without users the dashboard offers first-user setup, and signs the new owner in.</summary>
public sealed class DashboardFirstUserTests(EmptyDeploymentFixture server) : DashboardBrowserTest, IClassFixture<EmptyDeploymentFixture>
{
    [Fact]
    public async Task The_first_visitor_creates_the_owner_and_is_signed_in()
    {
        var page = await Browser.OpenAsync(server.BaseAddress);

        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByTestId("setup-form")).ToBeVisibleAsync();
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync("first@example.com");
        await page.GetByLabel("Username", new() { Exact = true }).FillAsync("Not Valid!");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("first-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create owner and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("username-error")).Not.ToBeEmptyAsync();
        await DashboardBrowser.ScreenshotAsync(page, "0-first-user");
        await page.GetByLabel("Username", new() { Exact = true }).FillAsync("first");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create owner and sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("first");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workspaces" })).ToBeVisibleAsync();
        Browser.AssertNoErrors();
    }
}

/// <summary>Debian's Chromium under Playwright, one browser per test class, collecting the page's errors.</summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    /// <summary>The system browser (<c>apt-get install chromium</c>; .ci/run installs it); Playwright cannot download its own here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string Screenshots = Path.Combine(RepositoryRoot(), "TestResults", "dashboard");
    private readonly List<string> _errors = [];
    private readonly List<IBrowserContext> _contexts = [];

    private DashboardBrowser(IPlaywright playwright, IBrowser browser)
    {
        Playwright = playwright;
        Browser = browser;
    }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public static async Task<DashboardBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"{ChromiumPath} is missing: the dashboard's browser tests drive Debian's Chromium. Install it with `apt-get install chromium` (.ci/run does when it is missing).");
        }

        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        // Root may not use Chromium's sandbox; the tests browse only their own server.
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        Directory.CreateDirectory(Screenshots);
        return new DashboardBrowser(playwright, browser);
    }

    /// <summary>A new browser context (its own cookies) on the server, with its console errors and page errors collected.</summary>
    public async Task<IPage> OpenAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 860 } });
        _contexts.Add(context);
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            // A 4xx the page expects (the first visit's 401, a refused sign-in, a field error) is logged as a failed load, not a fault.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                _errors.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => _errors.Add($"page error: {error}");
        return page;
    }

    /// <summary>No script error and no Content-Security-Policy violation (both reach the console).</summary>
    public void AssertNoErrors() => Assert.True(_errors.Count == 0, "the browser reported errors:\n" + string.Join("\n", _errors));

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }

        await Browser.DisposeAsync();
        Playwright.Dispose();
    }

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

/// <summary>A Chromium for each test class of the dashboard, closed after it.</summary>
public abstract class DashboardBrowserTest : IAsyncLifetime
{
    private DashboardBrowser? _browser;

    internal DashboardBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not launched yet.");

    public async Task InitializeAsync() => _browser = await DashboardBrowser.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }
}
