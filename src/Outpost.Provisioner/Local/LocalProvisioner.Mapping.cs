using System.Text;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Environment;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Local;

/// <summary>Reading templates and state in, and mapping plans to the wire types out.</summary>
internal sealed partial class LocalProvisioner
{
    private const string ReadmeFile = "README.md";

    /// <summary>The template, or every problem in it (each as a log line, all of them in the failure).</summary>
    private (TemplateDefinition? Template, string? Failure) Parse(byte[] archive, IJobLog log)
    {
        log.Info(ParsingStage, $"Reading the template archive ({archive.Length} bytes)");
        var parsed = TemplateImporter.Import(new MemoryStream(archive, writable: false), _options.ArchiveLimits);
        if (parsed.Succeeded)
        {
            return (parsed.Definition, null);
        }

        foreach (var error in parsed.Errors)
        {
            log.Error(ParsingStage, error.ToString());
        }

        var problems = parsed.Errors.Select(error => error.ToString()).ToList();
        var failure = problems.Count == 1
            ? $"the template is invalid: {problems[0]}"
            : $"the template has {problems.Count} problems:\n{string.Join('\n', problems)}";
        return (null, failure);
    }

    private string? ReadReadme(byte[] archive)
    {
        var contents = TemplateArchive.Read(new MemoryStream(archive, writable: false), _options.ArchiveLimits);
        var readme = contents.Find(ReadmeFile);
        return readme is null ? null : Encoding.UTF8.GetString(readme.Content);
    }

    /// <summary>The server already resolved and validated the values; only missing ones fall back to defaults.</summary>
    private static List<ResolvedParameter> Resolve(TemplateDefinition template, IReadOnlyList<ParameterValue> values)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            given[value.Name] = value.Value;
        }

        return
        [
            .. template.Parameters.Select(parameter => given.TryGetValue(parameter.Name, out var value)
                ? new ResolvedParameter(parameter.Name, value, ParameterSource.User)
                : new ResolvedParameter(parameter.Name, parameter.Default ?? string.Empty, ParameterSource.Default)),
        ];
    }

    /// <summary>The processes of the previous build, plus any the workspace directory records that the state lost.</summary>
    private List<AgentProcessRecord> PreviousProcesses(WorkspaceBuildJob job, string workspace)
    {
        var records = new List<AgentProcessRecord>();
        var (state, problem) = LocalState.Parse(job.PreviousState);
        if (state is null)
        {
            LocalLog.UnreadableState(_logger, job.WorkspaceId, problem!);
        }
        else
        {
            records.AddRange(state.Processes);
        }

        var file = LocalLayout.ProcessesFile(workspace);
        if (File.Exists(file))
        {
            var (recorded, _) = LocalState.Parse(File.ReadAllBytes(file));
            records.AddRange(recorded?.Processes ?? []);
        }

        return [.. records.DistinctBy(record => (record.Pid, record.StartTime))];
    }

    private static void WriteProcessesFile(string workspace, LocalState state)
    {
        var file = LocalLayout.ProcessesFile(workspace);
        if (!Directory.Exists(Path.GetDirectoryName(file)))
        {
            return;
        }

        // Written whole and renamed, so a daemon killed mid-write never leaves half a record.
        var temporary = file + ".tmp";
        WritePrivateFile(temporary, state.ToBytes());
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Creates or replaces a file only its owner can read or write (0600).</summary>
    internal static void WritePrivateFile(string path, ReadOnlySpan<byte> content)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.Write(content);
    }

    internal static void WritePrivateFile(string path, string content) => WritePrivateFile(path, System.Text.Encoding.UTF8.GetBytes(content));

    private TemplateImportResult ToImportResult(TemplateDefinition template, string? readme)
    {
        // An import reports what a start would create. The env merge is left to the start, as upstream
        // does, so the plan runs without extra env and each agent gets its entries afterwards.
        var plan = LocalPlan.Plan(new LocalPlanRequest
        {
            Template = template with { Env = [] },
            Parameters = [],
            Transition = WorkspaceTransition.Start,
            WorkspaceDirectory = Path.Join(Path.GetFullPath(_options.WorkspacesDirectory), "<workspace id>"),
        }).Plan!;
        var withEnv = plan with
        {
            Agents = [.. plan.Agents.Select(agent => agent with
            {
                ExtraEnvs = [.. template.Env.Where(env => env.Agent == agent.Name).Select(env => env.ToExtraEnv())],
            })],
        };

        return new TemplateImportResult
        {
            Parameters = [.. template.Parameters.Select(parameter => parameter.ToWire())],
            Resources = ToResources(withEnv, tokens: null),
            Readme = readme ?? template.Description,
            Presets = template.Presets,
        };
    }

    private static List<ProvisionedResource> ToResources(LocalWorkspacePlan plan, IReadOnlyDictionary<string, string>? tokens) =>
    [
        .. plan.ReportedResources.Select(resource => new ProvisionedResource
        {
            Name = resource.Name,
            Type = resource.Type,
            Agents = resource.Type == PlannedResource.AgentProcessType
                ? [.. plan.Agents.Where(agent => agent.ResourceName == resource.Name).Select(agent => ToAgent(agent, tokens))]
                : [],
        }),
    ];

    private static ProvisionedAgent ToAgent(PlannedAgent agent, IReadOnlyDictionary<string, string>? tokens) => new()
    {
        Name = agent.Name,
        Directory = agent.Directory,
        OperatingSystem = agent.Os,
        Architecture = agent.Architecture,
        Env = agent.Env,
        ExtraEnvs = [.. agent.ExtraEnvs.Select(ToExtraEnv)],
        Scripts =
        [
            .. agent.Scripts.Select(script => new AgentScript
            {
                DisplayName = script.Name,
                Script = script.Script,
                RunOnStart = script.RunOnStart,
                RunOnStop = script.RunOnStop,
                TimeoutSeconds = (int)Math.Ceiling(script.Timeout.TotalSeconds),
            }),
        ],
        Apps = [.. agent.Apps.Select(app => new AgentApp { Slug = app.Slug, DisplayName = app.DisplayName, Url = app.Url })],
        AuthToken = tokens is not null && tokens.TryGetValue(agent.Name, out var token) ? token : null,
    };

    private static ExtraEnvEntry ToExtraEnv(ExtraEnv env) => new()
    {
        Name = env.Name,
        Value = env.Value,
        MergeStrategy = env.MergeStrategy switch
        {
            ExtraEnv.Append => EnvMergeStrategy.Append,
            ExtraEnv.Prepend => EnvMergeStrategy.Prepend,
            ExtraEnv.Error => EnvMergeStrategy.Error,
            // Upstream treats any strategy it does not know as replace.
            _ => EnvMergeStrategy.Replace,
        },
    };
}
