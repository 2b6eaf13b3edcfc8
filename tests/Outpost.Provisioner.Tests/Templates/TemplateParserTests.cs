using Outpost.Provisioner.Templates;
using Outpost.Sdk.Parameters;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplateParserTests
{
    private const string Minimal = """
        agents:
          - name: main
        """;

    internal static TemplateDefinition ParseOk(string yaml)
    {
        var result = TemplateParser.Parse(yaml);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Empty(result.Errors);
        return result.Definition!;
    }

    internal static IReadOnlyList<string> ParseErrors(string yaml)
    {
        var result = TemplateParser.Parse(yaml);
        Assert.False(result.Succeeded);
        Assert.Null(result.Definition);
        Assert.NotEmpty(result.Errors);
        return result.Errors.Select(error => error.ToString()).ToList();
    }

    [Fact]
    public void A_minimal_template_gets_the_documented_defaults()
    {
        var template = ParseOk(Minimal);

        var agent = Assert.Single(template.Agents);
        Assert.Equal("main", agent.Name);
        Assert.Null(agent.Directory);
        Assert.Null(agent.Os);
        Assert.Empty(agent.Env);
        Assert.Null(agent.StartupScript);
        Assert.Equal(TimeSpan.FromSeconds(300), agent.StartupScriptTimeout);
        Assert.Equal(TimeSpan.FromSeconds(300), agent.ShutdownScriptTimeout);
        Assert.Empty(agent.Apps);
        Assert.Empty(template.Parameters);
        Assert.Empty(template.Env);
        Assert.Null(template.Name);
    }

    [Fact]
    public void Every_key_of_the_documented_schema_is_read()
    {
        var template = ParseOk("""
            name: full
            description: Everything at once
            parameters:
              - name: size
                type: number
                default: 2
                description: How big
                options: [1, 2, 3]
                mutable: false
              - name: token
            agents:
              - name: main
                directory: projects/app
                os: linux
                env:
                  EDITOR: vim
                  EMPTY:
                startup_script: |
                  echo "${OUTPOST_PARAM_SIZE}"
                startup_script_timeout: 1h30m
                shutdown_script: echo bye
                shutdown_script_timeout: 0
                apps:
                  - slug: web
                    display_name: Web
                    url: http://localhost:8080
                  - slug: docs
                    url: https://localhost:9000/docs
            env:
              - name: PATH
                value: /opt/tools/bin
                merge_strategy: append
              - agent: main
                name: GREETING
                value: ""
            """);

        Assert.Equal("full", template.Name);
        Assert.Equal("Everything at once", template.Description);
        var size = template.Parameters[0];
        Assert.Equal(ParameterType.Number, size.Type);
        Assert.Equal("2", size.Default);
        Assert.Equal(["1", "2", "3"], size.Options);
        Assert.False(size.Mutable);
        Assert.Equal("How big", size.Description);
        Assert.True(template.Parameters[1].Required);
        Assert.True(template.Parameters[1].Mutable);

        var agent = Assert.Single(template.Agents);
        Assert.Equal("projects/app", agent.Directory);
        Assert.Equal("linux", agent.Os);
        Assert.Equal(new Dictionary<string, string> { ["EDITOR"] = "vim", ["EMPTY"] = "" }, agent.Env);
        Assert.Equal("echo \"${OUTPOST_PARAM_SIZE}\"\n", agent.StartupScript);
        Assert.Equal(TimeSpan.FromMinutes(90), agent.StartupScriptTimeout);
        Assert.Equal("echo bye", agent.ShutdownScript);
        Assert.Equal(TimeSpan.Zero, agent.ShutdownScriptTimeout);
        Assert.Equal(["Web", "docs"], agent.Apps.Select(app => app.DisplayName));
        Assert.Equal("https://localhost:9000/docs", agent.Apps[1].Url);

        Assert.Equal(
            [("main", "PATH", "/opt/tools/bin", "append"), ("main", "GREETING", "", "replace")],
            template.Env.Select(env => (env.Agent, env.Name, env.Value, env.MergeStrategy)));
    }

    [Fact]
    public void An_unknown_key_names_the_line_and_column_and_suggests_the_right_key()
    {
        var errors = ParseErrors("""
            name: x
            agnets:
              - name: main
            """);

        Assert.Contains(
            "outpost.yaml:2:1: unknown key \"agnets\" under the template (did you mean \"agents\"?); expected one of name, description, parameters, agents, env, presets, task",
            errors);
    }

    [Fact]
    public void Invalid_yaml_reports_the_line_and_column_of_the_syntax_error()
    {
        var result = TemplateParser.Parse("""
            agents:
              - name: main
                env: {A: 1
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("outpost.yaml:4:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_key_is_a_yaml_error_with_a_position()
    {
        var result = TemplateParser.Parse("""
            agents:
              - name: main
            agents:
              - name: other
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = ParseErrors("""
            parameters:
              - name: Bad-Name
              - name: count
                type: number
                default: lots
            agents:
              - name: Main
                colour: blue
            env:
              - name: 1PATH
                value: x
            """);

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, error => error.StartsWith("outpost.yaml:2:11: parameter name \"Bad-Name\"", StringComparison.Ordinal));
        Assert.Contains("outpost.yaml:5:14: the default of parameter \"count\" is invalid: \"lots\" is not a number", errors);
        Assert.Contains(errors, error => error.StartsWith("outpost.yaml:7:11: agent name \"Main\"", StringComparison.Ordinal));
        Assert.Contains(errors, error => error.StartsWith("outpost.yaml:8:5: unknown key \"colour\" under agent \"Main\"", StringComparison.Ordinal));
        Assert.Equal(errors.OrderBy(error => int.Parse(error.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)), errors);
        Assert.Contains(errors, error => error.StartsWith("outpost.yaml:10:11: \"1PATH\" in env entry \"1PATH\" is not a valid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("~")]
    public void An_empty_file_is_an_error(string yaml) =>
        Assert.Contains("outpost.yaml:1:1: the file is empty; a template needs at least one agent", ParseErrors(yaml));

    [Theory]
    [InlineData("- a\n- b\n", "must be a mapping")]
    [InlineData("agents: []\n", "declares no agents")]
    [InlineData("name: x\n", "declares no agents")]
    [InlineData("agents: main\n", "\"agents\" of the template must be a list, not a value")]
    [InlineData("agents:\n  - main\n", "each entry of \"agents\" must be a mapping")]
    [InlineData("agents:\n  - name: main\n---\nagents: []\n", "more than one YAML document")]
    public void A_template_without_the_right_shape_is_rejected(string yaml, string expected) =>
        Assert.Contains(ParseErrors(yaml), error => error.Contains(expected, StringComparison.Ordinal));

    [Theory]
    [InlineData("name: a\n  - name: a", "agent \"a\" is declared twice (first at line 2)")]
    [InlineData("name: a\n    apps:\n      - slug: w\n        url: http://x\n      - slug: w\n        url: http://y", "app \"w\" of agent \"a\" is declared twice")]
    [InlineData("name: a\n    directory: ../outside", "\"directory\" of agent \"a\" must be absolute")]
    [InlineData("name: a\n    directory: code/../../outside", "\"directory\" of agent \"a\" must be absolute")]
    [InlineData("name: a\n    directory: ~root/x", "\"directory\" of agent \"a\" must be absolute, ~ or start with ~/")]
    [InlineData("name: a\n    directory: \"\"", "\"directory\" of agent \"a\" must be absolute")]
    [InlineData("name: a\n    os: windows", "\"os\" of agent \"a\" must be one of linux, darwin, not \"windows\"")]
    [InlineData("name: a\n    os: linx", "(did you mean \"linux\"?)")]
    [InlineData("name: a\n    env: [A]", "\"env\" of agent \"a\" must be a mapping, not a list")]
    [InlineData("name: a\n    env:\n      A: [1]", "env \"A\" of agent \"a\" must be a single value, not a list")]
    [InlineData("name: a\n    env:\n      OUTPOST_AGENT_TOKEN: x", "is reserved")]
    [InlineData("name: a\n    startup_script_timeout: soon", "\"startup_script_timeout\" of agent \"a\" must be a duration")]
    [InlineData("name: a\n    shutdown_script_timeout: 25h", "at most 24h")]
    [InlineData("name: a\n    apps:\n      - slug: web\n        url: localhost:8080", "\"url\" of app \"web\" of agent \"a\" must be an absolute http or https URL")]
    [InlineData("name: a\n    apps:\n      - url: http://x", "app 1 of agent \"a\" needs a \"slug\"")]
    [InlineData("name: a--b", "agent name \"a--b\" must be")]
    [InlineData("directory: /tmp", "agent 1 needs a \"name\"")]
    public void Agent_problems_are_reported_with_what_is_wrong(string agentBody, string expected)
    {
        var errors = ParseErrors($"agents:\n  - {agentBody}\n");

        Assert.Contains(errors, error => error.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("name: p\n    type: text", "\"type\" of parameter \"p\" must be one of string, number, bool, not \"text\"")]
    [InlineData("name: p\n    type: bool\n    default: yes", "\"yes\" is not a bool")]
    [InlineData("name: p\n    options: [a, b]\n    default: c", "\"c\" is not one of the options: a, b")]
    [InlineData("name: p\n    options: []", "\"options\" of parameter \"p\" is empty")]
    [InlineData("name: p\n    options: [a, a]", "option \"a\" of parameter \"p\" is listed twice")]
    [InlineData("name: p\n    type: number\n    options: [1, 1.0]", "option \"1.0\" of parameter \"p\" is listed twice")]
    [InlineData("name: p\n    type: number\n    options: [1, x]", "an option of parameter \"p\" is invalid: \"x\" is not a number")]
    [InlineData("name: p\n    mutable: sometimes", "\"mutable\" of parameter \"p\" must be true or false")]
    [InlineData("name: p\n  - name: p", "parameter \"p\" is declared twice")]
    [InlineData("type: string", "parameter 1 needs a \"name\"")]
    [InlineData("name: {a: 1}", "\"name\" of parameter 1 must be a single value, not a mapping")]
    public void Parameter_problems_are_reported_with_what_is_wrong(string parameterBody, string expected)
    {
        var errors = ParseErrors($"parameters:\n  - {parameterBody}\n{Minimal}\n");

        Assert.Contains(errors, error => error.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_bool_default_is_normalised_to_lowercase()
    {
        var template = ParseOk($"parameters:\n  - name: on\n    type: bool\n    default: True\n{Minimal}");

        Assert.Equal("true", template.Parameters[0].Default);
    }

    [Fact]
    public void Parameter_references_in_scripts_are_left_for_the_shell()
    {
        var template = ParseOk("""
            parameters:
              - name: greeting
                default: hi
            agents:
              - name: main
                startup_script: echo "${OUTPOST_PARAM_GREETING}" > $HOME/x
            """);

        Assert.Equal("echo \"${OUTPOST_PARAM_GREETING}\" > $HOME/x", template.Agents[0].StartupScript);
    }

    [Theory]
    [InlineData("    value: x", "env entry \"A\" needs an \"agent\" because the template has more than one agent")]
    [InlineData("    agent: mian\n    value: x", "names agent \"mian\", which the template does not declare (did you mean \"main\"?)")]
    [InlineData("    agent: main", "env entry \"A\" needs a \"value\"")]
    [InlineData("    agent: main\n    value: x\n    merge_strategy: apend", "must be one of replace, append, prepend, error, not \"apend\" (did you mean \"append\"?)")]
    [InlineData("    agent: main\n    value: [x]", "\"value\" of env entry \"A\" must be a single value")]
    public void Extra_env_problems_are_reported_with_what_is_wrong(string entryBody, string expected)
    {
        var errors = ParseErrors($"""
            agents:
              - name: main
              - name: side
            env:
              - name: A
            {entryBody}
            """);

        Assert.Contains(errors, error => error.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_extra_env_with_a_present_but_null_value_is_empty()
    {
        var template = ParseOk($"{Minimal}\nenv:\n  - name: A\n    value:\n");

        Assert.Equal("", Assert.Single(template.Env).Value);
    }

    [Fact]
    public void Errors_carry_the_file_name_they_were_given()
    {
        var result = TemplateParser.Parse("agents: []", "templates/x/outpost.yaml");

        Assert.StartsWith("templates/x/outpost.yaml:1:9: ", result.Errors[0].ToString(), StringComparison.Ordinal);
    }
}
