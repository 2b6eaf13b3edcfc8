namespace Outpost.Cli.Templates;

/// <summary>The <c>outpost.yaml</c> that <c>outpost templates init</c> writes: a working local template to edit.</summary>
internal static class StarterTemplate
{
    public const string Yaml = """
        # An Outpost template. Edit it, then run: outpost templates push <name> --directory <this directory>
        # The local provisioner gives each workspace a directory under the server's data directory and
        # runs each agent below as a local process there.
        name: starter
        description: A workspace directory with one agent.

        parameters:
          - name: greeting
            description: Written to hello.txt by the startup script.
            default: Hello from Outpost

        agents:
          - name: main
            env:
              EDITOR: vi
            startup_script: |
              set -eu
              printf '%s\n' "${OUTPOST_PARAM_GREETING}" > hello.txt
              echo "ready in $(pwd)"
            startup_script_timeout: 60s
            shutdown_script: |
              echo "stopping"
            shutdown_script_timeout: 30s

        env:
          # Entries merge in order; append joins values with ":".
          - name: TOOL_PATH
            value: /usr/local/share/tools
          - name: TOOL_PATH
            value: /opt/tools
            merge_strategy: append
        """;

    /// <summary>The Terraform starter: examples/templates/terraform-local/main.tf, embedded in the binary.</summary>
    public static string Terraform()
    {
        using var stream = typeof(StarterTemplate).Assembly.GetManifestResourceStream("terraform-local.main.tf")
            ?? throw new InvalidOperationException("the terraform starter is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
