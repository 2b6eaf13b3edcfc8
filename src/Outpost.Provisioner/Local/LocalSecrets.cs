using Outpost.Provisioner.Templates;
using Outpost.Sdk.Secrets;

namespace Outpost.Provisioner.Local;

/// <summary>A file a secret is written to: an absolute path inside the workspace directory, and the value. Never printed.</summary>
internal sealed record SecretFile(string Path, string Value)
{
    public override string ToString() => $"SecretFile {{ Path = {Path} }}";
}

/// <summary>What one agent receives of the owner's secrets on a start: variables for its process and files. Never printed.</summary>
internal sealed record AgentSecrets(IReadOnlyDictionary<string, string> Env, IReadOnlyList<SecretFile> Files)
{
    public override string ToString() => $"AgentSecrets {{ Env = [{string.Join(", ", Env.Keys)}], Files = [{string.Join(", ", Files.Select(f => f.Path))}] }}";
}

/// <summary>
/// The local provisioner's side of user secrets (docs/templates.md): at plan time, each agent's
/// <c>secrets</c> entries are looked up among the plan step's encoded secret variables; at apply
/// they reach the agent's process environment (never the environment the build reports, which the
/// server stores) and 0600 files inside the workspace directory.
/// </summary>
internal static class LocalSecrets
{
    public static readonly IReadOnlyDictionary<string, AgentSecrets> None = new Dictionary<string, AgentSecrets>();

    /// <summary>Resolves every agent's secrets; a missing required one is the spec's "Missing required secret" message.</summary>
    public static (IReadOnlyDictionary<string, AgentSecrets> Agents, string? Error) Resolve(
        TemplateDefinition template, IReadOnlyDictionary<string, string> secretVariables, string workspace)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(secretVariables);
        var agents = new Dictionary<string, AgentSecrets>(StringComparer.Ordinal);
        foreach (var agent in template.Agents.Where(agent => agent.Secrets.Count > 0))
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            var files = new List<SecretFile>();
            foreach (var secret in agent.Secrets)
            {
                var variable = secret.Env is not null ? SecretEncoding.EnvVariable(secret.Env) : SecretEncoding.FileVariable(secret.File!);
                if (!secretVariables.TryGetValue(variable, out var value))
                {
                    if (secret.Optional)
                    {
                        continue;
                    }

                    return (None, $"agent \"{agent.Name}\": {MissingSecret.Message(secret.Env, secret.File, secret.HelpMessage)}");
                }

                if (secret.ToEnv is not null)
                {
                    env[secret.ToEnv] = value;
                }

                if (secret.ToFile is not null)
                {
                    files.Add(new SecretFile(Path.Join(workspace, secret.ToFile), value));
                }
            }

            agents[agent.Name] = new AgentSecrets(env, files);
        }

        return (agents, null);
    }

    /// <summary>Writes an agent's secret files 0600, creating missing directories 0700, all given to the workspace's user.</summary>
    public static void WriteFiles(AgentSecrets secrets, string workspace, LocalSandbox? sandbox)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var file in secrets.Files)
        {
            var directory = Path.GetDirectoryName(file.Path)!;
            var missing = new Stack<string>();
            for (var current = directory; current.Length > workspace.Length && !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
            {
                missing.Push(current);
            }

            foreach (var created in missing)
            {
                Directory.CreateDirectory(created, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                sandbox?.GiveToWorkspaceUser(created);
            }

            LocalProvisioner.WritePrivateFile(file.Path, file.Value);
            sandbox?.GiveToWorkspaceUser(file.Path);
        }
    }
}
