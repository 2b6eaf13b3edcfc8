namespace Outpost.Sdk.Diagnostics;

/// <summary>
/// The log event ids of every Outpost process, in one place so that ids never collide and an
/// operator can filter on a range. Each feature owns a block of 100 ids; a new feature takes the
/// next free block and lists it in <c>docs/diagnostics.md</c>.
/// </summary>
/// <remarks>
/// Ranges: 1000 server host, 1100 embedded PostgreSQL, 1200 migrations, 1300 HTTP and problem
/// details, 1400 metrics, 2000 client telemetry, 3000 identity, 4000 templates and workspaces,
/// 4100 provisioner jobs and queue, 4200 pubsub, 5000 workspace agent, 6000 CLI.
/// </remarks>
public static class OutpostEventIds
{
    /// <summary>First id of the server host block.</summary>
    public const int ServerHost = 1000;

    /// <summary>First id of the embedded PostgreSQL launcher block.</summary>
    public const int EmbeddedPostgres = 1100;

    /// <summary>First id of the schema migrations block.</summary>
    public const int Migrations = 1200;

    /// <summary>First id of the HTTP pipeline block.</summary>
    public const int Http = 1300;

    /// <summary>First id of the metrics exposition block.</summary>
    public const int Metrics = 1400;

    /// <summary>First id of the client telemetry block.</summary>
    public const int Telemetry = 2000;

    /// <summary>First id of the identity (users, sessions, tokens) block.</summary>
    public const int Identity = 3000;

    /// <summary>First id of the templates and workspaces block.</summary>
    public const int Workspaces = 4000;

    /// <summary>First id of the provisioner job queue block.</summary>
    public const int Provisioner = 4100;

    /// <summary>First id of the pubsub block.</summary>
    public const int Pubsub = 4200;

    /// <summary>First id of the workspace agent block.</summary>
    /// <remarks>5001–5099: the agent process (<c>outpost agent</c>); 5100–5199: the server's agent API.</remarks>
    public const int Agent = 5000;

    /// <summary>First id of the command-line client block.</summary>
    public const int Cli = 6000;

    /// <summary>First id of the request validation, throttling and metrics-listener block (1500–1599).</summary>
    public const int Hardening = 1500;

    /// <summary>First id of the local provisioner's sandbox block (7100–7199).</summary>
    public const int Sandbox = 7100;

    /// <summary>First id of the provisioner block: the daemon (7000–7049) and the local provisioner (7050–7099).</summary>
    public const int ProvisionerDaemon = 7000;

    /// <summary>First id of the Terraform block.</summary>
    /// <remarks>7200–7219: daemon file transfer and cache; 7220–7299: the terraform provisioner; 7300–7399: <c>outpost terraform-provider</c>.</remarks>
    public const int Terraform = 7200;

    /// <summary>First id of the server's session relay block (4500–4599).</summary>
    public const int SessionRelay = 4500;

    /// <summary>First id of the agent's session block (5150–5199; 5101–5110 are the server's agent API).</summary>
    public const int AgentSessions = 5150;

    /// <summary>First id of the CLI's session block (6100–6199).</summary>
    public const int CliSessions = 6100;

    /// <summary>First id of the server's user secrets block (4600–4699).</summary>
    public const int Secrets = 4600;

    /// <summary>First id of the server's AI tasks and seats block (4700–4799).</summary>
    public const int Tasks = 4700;

    /// <summary>Prebuilt workspaces: the reconciler, claims and agent reinitialisation (4800–4899).</summary>
    public const int Prebuilds = 4800;

    /// <summary>Run observability: the task run recorder's own faults (2100–2199).</summary>
    public const int RunObservability = 2100;

    /// <summary>Deployment health and support bundles (issue 24): the server's part (4900–4949).</summary>
    public const int Deployment = 4900;

    /// <summary>The web dashboard: browser sessions and the served assets (5200–5299).</summary>
    public const int Dashboard = 5200;

    /// <summary>Agent scale (issue 25): the server's batched heartbeat writes (5300–5399).</summary>
    public const int AgentScale = 5300;
}
