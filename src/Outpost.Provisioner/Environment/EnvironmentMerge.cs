namespace Outpost.Provisioner.Environment;

/// <summary>
/// Coder's <c>MergeExtraEnvs</c> contract (coder-spec.md §2) and the agent environment built from it.
/// </summary>
public static class EnvironmentMerge
{
    private const char Separator = ':';

    /// <summary>
    /// Applies <paramref name="extraEnvs"/> to <paramref name="env"/> in order, in place. The first
    /// error stops the walk and entries applied before it stay applied, as upstream does; callers
    /// throw the map away on error.
    /// </summary>
    public static EnvMergeError? MergeExtraEnvs(IDictionary<string, string> env, IEnumerable<ExtraEnv> extraEnvs)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(extraEnvs);

        foreach (var extra in extraEnvs)
        {
            var exists = env.TryGetValue(extra.Name, out var existing);
            switch (extra.MergeStrategy)
            {
                case ExtraEnv.Append:
                    env[extra.Name] = string.IsNullOrEmpty(existing) ? extra.Value : existing + Separator + extra.Value;
                    break;
                case ExtraEnv.Prepend:
                    env[extra.Name] = string.IsNullOrEmpty(existing) ? extra.Value : extra.Value + Separator + existing;
                    break;
                case ExtraEnv.Error when exists:
                    return new EnvMergeError(
                        extra.Name,
                        $"duplicate env var \"{extra.Name}\": merge_strategy is \"error\" but variable is already defined");
                default:
                    // "replace", "", "error" on a new key, and every unknown strategy: upstream's default branch.
                    env[extra.Name] = extra.Value;
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Builds an agent's environment the way upstream's InsertWorkspaceResource does: an empty map,
    /// then the extra envs in declaration order, then the agent's own env over the top (it always wins).
    /// </summary>
    public static MergedEnvironment BuildAgentEnvironment(
        IEnumerable<ExtraEnv> extraEnvs,
        IReadOnlyDictionary<string, string>? agentEnv)
    {
        ArgumentNullException.ThrowIfNull(extraEnvs);

        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var error = MergeExtraEnvs(env, extraEnvs);
        if (error is not null)
        {
            return new MergedEnvironment { Error = error };
        }

        foreach (var (name, value) in agentEnv ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        return new MergedEnvironment { Variables = env.Count == 0 ? null : env };
    }
}
