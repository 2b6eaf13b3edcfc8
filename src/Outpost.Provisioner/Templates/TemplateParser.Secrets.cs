using Outpost.Sdk.Secrets;

namespace Outpost.Provisioner.Templates;

internal static partial class TemplateParser
{
    private static readonly string[] SecretKeys = ["env", "file", "to_env", "to_file", "help_message", "optional"];

    /// <summary>
    /// An agent's <c>secrets</c>: each names the owner's secret by exactly one of <c>env</c> or
    /// <c>file</c> (their bindings, checked as the secrets API checks them) and delivers it to
    /// <c>to_env</c> and/or <c>to_file</c>; without either, an env-bound secret goes to the
    /// variable of the same name and a <c>~/</c> file to the same path inside the workspace directory.
    /// </summary>
    private static List<TemplateSecret> ReadAgentSecrets(YamlFields agent, TemplateErrorList errors)
    {
        var secrets = new List<TemplateSecret>();
        foreach (var (item, index) in Items(agent.Sequence("secrets"), "secrets", errors))
        {
            var fields = new YamlFields(item, $"secret {index + 1} of {agent.Where}", SecretKeys, errors);
            var (env, file) = (fields.String("env"), fields.String("file"));
            if ((env is null) == (file is null))
            {
                errors.Add(item, $"{fields.Where}: exactly one of `env` or `file` must be set");
                continue;
            }

            if ((env is not null ? SecretRules.CheckEnvName(env) : SecretRules.CheckFilePath(file)) is { } violation)
            {
                errors.Add(fields.MarkOf(env is not null ? "env" : "file"), $"{fields.Where}: {violation.Message}");
                continue;
            }

            var (toEnv, toFile) = (fields.String("to_env"), fields.String("to_file"));
            if (toEnv is null && toFile is null)
            {
                if (env is not null)
                {
                    toEnv = env;
                }
                else if (file!.StartsWith("~/", StringComparison.Ordinal))
                {
                    toFile = file[2..];
                }
                else
                {
                    errors.Add(fields.MarkOf("file"), $"{fields.Where}: an absolute `file` needs `to_file`, a path inside the workspace directory");
                    continue;
                }
            }

            if (toEnv is not null && !EnvName(fields.MarkOf("to_env"), toEnv, $"to_env of {fields.Where}", errors))
            {
                continue;
            }

            if (toFile is not null && !IsInsideWorkspace(toFile))
            {
                errors.Add(fields.MarkOf("to_file"), $"\"to_file\" of {fields.Where} must be a relative path that stays inside the workspace directory, not \"{toFile}\"");
                continue;
            }

            secrets.Add(new TemplateSecret
            {
                Env = env,
                File = file,
                ToEnv = toEnv,
                ToFile = toFile,
                HelpMessage = fields.String("help_message"),
                Optional = fields.Bool("optional") ?? false,
            });
        }

        return secrets;
    }

    private static bool IsInsideWorkspace(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.StartsWith('~') && !path.Contains('\0', StringComparison.Ordinal)
        && !path.Split('/').Any(part => part is ".." or ".") && !path.EndsWith('/');
}
