using Outpost.Provisioner.Local;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class ExampleTemplateTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string ExampleDirectory(string name) => RepositoryRoot.Combine("examples", "templates", name);

    [Fact]
    public void The_local_starter_template_packs_imports_and_plans_as_its_readme_says()
    {
        var packed = TemplateArchive.Pack(ExampleDirectory("local-starter"), 1024 * 1024);
        Assert.True(packed.Succeeded, packed.Error);

        var imported = TemplateImporter.Import(new MemoryStream(packed.Tar!), ArchiveLimits.Default);
        Assert.True(imported.Succeeded, string.Join("\n", imported.Errors));
        var template = imported.Definition!;

        var resolution = ParameterResolver.Resolve([.. template.Parameters.Select(parameter => parameter.ToWire())], null, []);
        Assert.True(resolution.Succeeded);
        var plan = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template,
            Parameters = resolution.Values,
            Transition = WorkspaceTransition.Start,
            WorkspaceDirectory = _temp.Path,
        }).Plan!;

        var agent = Assert.Single(plan.Agents);
        Assert.Equal("main", agent.Name);
        Assert.Equal(["startup", "shutdown"], agent.Scripts.Select(script => script.Name));
        Assert.Equal("web", Assert.Single(agent.Apps).Slug);
        Assert.Equal("vi", agent.EnvironmentVariables!["EDITOR"]);
        Assert.Equal("/usr/share/outpost-starter:/opt/outpost-starter/share", agent.EnvironmentVariables["STARTER_SEARCH_PATH"]);
        Assert.Contains(agent.ExtraEnvs, env => env.MergeStrategy == "append");
        Assert.Equal("Hello from Outpost", plan.Processes[0].Environment["OUTPOST_PARAM_GREETING"]);
    }

    [Fact]
    public void The_local_starter_startup_script_writes_the_greeting_when_run_by_a_shell()
    {
        var template = TemplateImporter.Import(
            new MemoryStream(TemplateArchive.Pack(ExampleDirectory("local-starter"), 1024 * 1024).Tar!),
            ArchiveLimits.Default).Definition!;
        var script = template.Agents[0].StartupScript!;

        using var shell = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", script])
        {
            WorkingDirectory = _temp.Path,
            RedirectStandardOutput = true,
            Environment = { ["OUTPOST_PARAM_GREETING"] = "Hi there", ["STARTER_SEARCH_PATH"] = "/a:/b" },
        })!;
        var output = shell.StandardOutput.ReadToEnd();
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, shell.ExitCode);
        Assert.Equal("Hi there\n", File.ReadAllText(Path.Join(_temp.Path, "greeting.txt")));
        Assert.Contains("wrote greeting.txt: Hi there", output, StringComparison.Ordinal);
    }
}
