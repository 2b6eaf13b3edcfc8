using System.Diagnostics;
using System.Text.Json;
using Outpost.Testing;

namespace Outpost.Server.Tests.Hosting;

/// <summary>
/// The served OpenAPI document is complete: every operation has a summary, declares who may call
/// it and documents its problem responses, and Redocly's recommended rules find no error (issue 13).
/// </summary>
public sealed class OpenApiLintTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>The Redocly CLI the lint runs, pinned as the issue names it.</summary>
    private const string Redocly = "@redocly/cli@2.77.0";

    /// <summary>Operations that cannot answer a 4xx: anonymous, without input.</summary>
    private static readonly HashSet<string> No4xx = ["GetHealth", "GetBuildInfo"];

    [Fact]
    public async Task Every_operation_has_a_summary_a_security_declaration_and_its_problem_responses()
    {
        using var document = JsonDocument.Parse(await fixture.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)).WithTimeout());
        var root = document.RootElement;
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        var faults = new List<string>();

        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var id = operation.Value.TryGetProperty("operationId", out var name) ? name.GetString()! : $"{operation.Name} {path.Name}";
                if (!operation.Value.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                {
                    faults.Add($"{id}: no summary");
                }

                if (!operation.Value.TryGetProperty("security", out var security))
                {
                    faults.Add($"{id}: no security declaration");
                }
                else
                {
                    faults.AddRange(security.EnumerateArray().SelectMany(requirement => requirement.EnumerateObject())
                        .Where(scheme => !schemes.TryGetProperty(scheme.Name, out _))
                        .Select(scheme => $"{id}: security scheme {scheme.Name} is not defined"));
                }

                if (!operation.Value.GetProperty("responses").EnumerateObject().Any(response => response.Name.StartsWith('2')))
                {
                    faults.Add($"{id}: documents no success response");
                }

                var problems = operation.Value.GetProperty("responses").EnumerateObject().Where(response => response.Name.StartsWith('4')).ToList();
                if (problems.Count == 0 && !No4xx.Contains(id))
                {
                    faults.Add($"{id}: documents no 4xx response");
                }

                faults.AddRange(problems.Where(problem => !problem.Value.TryGetProperty("description", out var text) || string.IsNullOrWhiteSpace(text.GetString()))
                    .Select(problem => $"{id}: response {problem.Name} has no description"));
            }
        }

        Assert.True(faults.Count == 0, string.Join(Environment.NewLine, faults));
        Assert.DoesNotContain(root.GetProperty("servers").EnumerateArray(), server => server.GetProperty("url").GetString()!.EndsWith('/'));
    }

    [Fact]
    public async Task Operations_declare_the_scheme_of_their_caller()
    {
        using var document = JsonDocument.Parse(await fixture.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)).WithTimeout());
        var paths = document.RootElement.GetProperty("paths");

        Assert.Equal("userToken", OnlyScheme(paths, "/api/v2/workspaces", "post"));
        Assert.Equal("agentToken", OnlyScheme(paths, "/api/v2/workspaceagents/me/manifest", "get"));
        Assert.Equal("provisionerKey", OnlyScheme(paths, "/api/v2/provisionerd/acquire", "post"));
        Assert.Empty(paths.GetProperty("/api/v2/users/login").GetProperty("post").GetProperty("security").EnumerateArray());
        var busy = paths.GetProperty("/api/v2/workspaces/{id}/builds").GetProperty("post").GetProperty("responses").GetProperty("409");
        Assert.Contains("workspace_busy", busy.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redocly_recommended_rules_report_no_error()
    {
        var json = await fixture.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)).WithTimeout();
        var directory = Directory.CreateTempSubdirectory("outpost-openapi-");
        try
        {
            var file = Path.Combine(directory.FullName, "openapi.json");
            await File.WriteAllTextAsync(file, json);

            var (exit, output) = await RunNpxAsync(directory.FullName, Redocly, "lint", "--format=json", file);

            using var report = ParseReport(output);
            var totals = report.RootElement.GetProperty("totals");
            Assert.True(totals.GetProperty("errors").GetInt32() == 0,
                $"Redocly found errors (exit {exit}):{Environment.NewLine}{Describe(report.RootElement)}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string? OnlyScheme(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).GetProperty("security").EnumerateArray().Single().EnumerateObject().Single().Name;

    private static JsonDocument ParseReport(string output)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, $"Redocly printed no JSON report:{Environment.NewLine}{output}");
        return JsonDocument.Parse(output[start..]);
    }

    private static string Describe(JsonElement report) =>
        string.Join(Environment.NewLine, report.GetProperty("problems").EnumerateArray()
            .Where(problem => problem.GetProperty("severity").GetString() == "error")
            .Select(problem => $"{problem.GetProperty("ruleId").GetString()}: {problem.GetProperty("message").GetString()} at "
                + string.Join(", ", problem.GetProperty("location").EnumerateArray().Select(location => location.GetProperty("pointer").GetString()))));

    private static async Task<(int Exit, string Output)> RunNpxAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("npx") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--yes");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_UPDATE_NOTIFIER"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException($"npx (Node.js and npm) is needed to run {Redocly}: {error.Message}; install nodejs and npm", error);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"npx {string.Join(' ', arguments)} did not finish in 5 minutes: {await stderr}");
            }

            var output = await stdout;
            return (process.ExitCode, output.Contains('{', StringComparison.Ordinal) ? output : output + await stderr);
        }
    }
}
