using Outpost.Provisioner.Environment;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Tasks;

namespace Outpost.Provisioner.Local;

/// <summary>
/// The <c>local</c> provisioner's plan: a pure function from template, parameters and transition to
/// the resources apply must create, keep or destroy and the agents the build reports.
/// </summary>
internal static class LocalPlan
{
    public const string WorkspaceDirectoryResourceName = "workspace";

    public static string WorkspaceDirectoryFor(string dataDirectory, Guid workspaceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        return Path.Join(Path.GetFullPath(dataDirectory), "workspaces", workspaceId.ToString("D"));
    }

    public static string ParameterVariable(string parameterName) =>
        AgentEnvironment.ParameterPrefix + parameterName.ToUpperInvariant();

    public static LocalPlanResult Plan(LocalPlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Path.IsPathFullyQualified(request.WorkspaceDirectory))
        {
            throw new ArgumentException("the workspace directory must be absolute", nameof(request));
        }

        var template = request.Template;
        var workspace = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.WorkspaceDirectory));
        var starting = request.Transition == WorkspaceTransition.Start;

        // Only a start build reports agents, so only it merges env: a broken merge must not keep a
        // workspace from being stopped or deleted.
        var agents = new List<PlannedAgent>();
        if (starting)
        {
            foreach (var agent in template.Agents)
            {
                var extraEnvs = template.Env.Where(env => env.Agent == agent.Name).Select(env => env.ToExtraEnv()).ToList();
                var environment = EnvironmentMerge.BuildAgentEnvironment(extraEnvs, agent.Env);
                if (!environment.Succeeded)
                {
                    return new LocalPlanResult { Error = $"agent \"{agent.Name}\": {environment.Error!.Message}" };
                }

                var planned = ToPlannedAgent(agent, workspace, request.Host, extraEnvs, environment.Variables);
                agents.Add(template.Task is { } task && agent.Name == task.Agent && request.TaskId is { } taskId ? WithTask(planned, task, taskId) : planned);
            }
        }

        var processEnvironment = ParameterEnvironment(request.Parameters);
        var processes = template.Agents
            .Select(agent => new AgentProcessPlan
            {
                AgentName = agent.Name,
                WorkingDirectory = workspace,
                Environment = processEnvironment,
                ShutdownTimeout = agent.ShutdownScriptTimeout,
            })
            .ToList();

        return new LocalPlanResult
        {
            Plan = new LocalWorkspacePlan
            {
                Transition = request.Transition,
                WorkspaceDirectory = workspace,
                Resources = Resources(template, workspace, request.Transition),
                Agents = agents,
                Processes = processes,
                DirectoriesToCreate = starting ? DirectoriesToCreate(workspace, agents) : [],
                RemoveWorkspaceDirectory = request.Transition == WorkspaceTransition.Delete,
                Parameters = request.Parameters,
            },
        };
    }

    private static List<PlannedResource> Resources(TemplateDefinition template, string workspace, WorkspaceTransition transition)
    {
        var (directoryChange, processChange) = transition switch
        {
            WorkspaceTransition.Start => (ResourceChange.Create, ResourceChange.Create),
            // The directory is the workspace's persistent state: it outlives stop, as a home volume does.
            WorkspaceTransition.Stop => (ResourceChange.Keep, ResourceChange.Destroy),
            WorkspaceTransition.Delete => (ResourceChange.Destroy, ResourceChange.Destroy),
            _ => throw new ArgumentOutOfRangeException(nameof(transition), transition, null),
        };

        var resources = new List<PlannedResource>
        {
            new()
            {
                Type = PlannedResource.WorkspaceDirectoryType,
                Name = WorkspaceDirectoryResourceName,
                Change = directoryChange,
                Attributes = Sorted(("path", workspace)),
            },
        };
        resources.AddRange(template.Agents.Select(agent => new PlannedResource
        {
            Type = PlannedResource.AgentProcessType,
            Name = agent.Name,
            Change = processChange,
            Attributes = Sorted(("agent", agent.Name), ("command", "outpost agent")),
        }));
        if (template.Task is { Agent: var taskAgent })
        {
            resources.Add(new PlannedResource
            {
                Type = PlannedResource.AiTaskType,
                Name = "task",
                Change = processChange,
                Attributes = Sorted(("agent", taskAgent)),
            });
        }

        return resources;
    }

    /// <summary>
    /// The task agent learns its task and model from its manifest's environment (the server merges the
    /// reported env, so they go into <see cref="PlannedAgent.Env"/> too); the prompt it reads from the task
    /// API. Templates may not define <c>OUTPOST_</c> names themselves, so nothing is overwritten.
    /// </summary>
    private static PlannedAgent WithTask(PlannedAgent agent, TemplateTask task, Guid taskId)
    {
        var added = new Dictionary<string, string>(StringComparer.Ordinal) { [TaskApi.AgentTaskIdVariable] = taskId.ToString("D") };
        if (task.ModelUrl is { } url)
        {
            added[TaskApi.ModelUrlVariable] = url;
        }

        if (task.Model is { } model)
        {
            added[TaskApi.ModelVariable] = model;
        }

        if (task.ApiKeyEnv is { } keyVariable)
        {
            added[TaskApi.ApiKeyVariableVariable] = keyVariable;
        }

        var env = new Dictionary<string, string>(agent.Env, StringComparer.Ordinal);
        var variables = agent.EnvironmentVariables is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(agent.EnvironmentVariables, StringComparer.Ordinal);
        foreach (var (name, value) in added)
        {
            env[name] = value;
            variables[name] = value;
        }

        return agent with { Env = env, EnvironmentVariables = variables };
    }

    private static PlannedAgent ToPlannedAgent(
        TemplateAgent agent,
        string workspace,
        HostPlatform host,
        IReadOnlyList<ExtraEnv> extraEnvs,
        IReadOnlyDictionary<string, string>? environment)
    {
        var scripts = new List<PlannedScript>();
        if (agent.StartupScript is not null)
        {
            scripts.Add(new PlannedScript { Name = PlannedScript.Startup, Script = agent.StartupScript, Timeout = agent.StartupScriptTimeout });
        }

        if (agent.ShutdownScript is not null)
        {
            scripts.Add(new PlannedScript { Name = PlannedScript.Shutdown, Script = agent.ShutdownScript, Timeout = agent.ShutdownScriptTimeout });
        }

        return new PlannedAgent
        {
            Name = agent.Name,
            ResourceName = agent.Name,
            Directory = ResolveDirectory(agent.Directory, workspace),
            Os = agent.Os ?? host.Os,
            Architecture = host.Architecture,
            Env = agent.Env,
            ExtraEnvs = extraEnvs,
            EnvironmentVariables = environment,
            Scripts = scripts,
            Apps = [.. agent.Apps.Select(app => new PlannedApp(app.Slug, app.DisplayName, app.Url))],
        };
    }

    /// <summary>The parser already refused relative directories with <c>..</c>, so joining stays inside.</summary>
    private static string ResolveDirectory(string? directory, string workspace) => directory switch
    {
        null => workspace,
        "~" => directory,
        _ when directory.StartsWith("~/", StringComparison.Ordinal) => directory,
        _ when Path.IsPathFullyQualified(directory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)),
        _ => Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Join(workspace, directory))),
    };

    private static List<string> DirectoriesToCreate(string workspace, IEnumerable<PlannedAgent> agents) =>
    [
        workspace,
        .. agents
            .Select(agent => agent.Directory)
            .Where(directory => directory.StartsWith(workspace + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal),
    ];

    private static SortedDictionary<string, string> ParameterEnvironment(IEnumerable<ResolvedParameter> parameters)
    {
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            environment[ParameterVariable(parameter.Name)] = parameter.Value;
        }

        return environment;
    }

    private static SortedDictionary<string, string> Sorted(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}
