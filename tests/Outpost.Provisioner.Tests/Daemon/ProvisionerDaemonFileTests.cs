using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Environment;
using Outpost.Provisioner.Files;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>Jobs name their files by hash; the daemon downloads them in chunks into its cache, and plans before it applies.</summary>
public sealed class ProvisionerDaemonFileTests
{
    [Fact]
    public async Task The_template_is_downloaded_in_chunks_once_then_served_from_the_cache()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ChunkSize = 1000;
        var template = Enumerable.Range(0, 2500).Select(i => (byte)i).ToArray();
        var hash = harness.Client.AddFile(template);
        harness.Client.Enqueue(DaemonHarness.ImportJob() with { TemplateFileHash = hash });
        harness.Client.Enqueue(DaemonHarness.BuildJob() with { TemplateFileHash = hash });
        _ = harness.Start();

        Assert.Null((await harness.NextResultAsync()).Fail);
        Assert.Null((await harness.NextResultAsync()).Fail);

        Assert.Equal(template, harness.Provisioner.LastFiles!.TemplateArchive);
        Assert.Equal((1, 3), (harness.Client.HeaderCalls, harness.Client.ChunkCalls));
        Assert.Equal([hash], new FileCache(harness.Options.EffectiveCacheDirectory, 1 << 20, TimeProvider.System).Entries());
    }

    [Fact]
    public async Task A_chunk_with_a_bad_hash_is_refused_and_the_download_retried()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ChunkSize = 10;
        var hash = harness.Client.AddFile([.. Enumerable.Range(0, 25).Select(i => (byte)i)]);
        harness.Client.ChunkTamper = (call, chunk) => call == 2 ? chunk with { FullDataHash = new string('f', 64) } : chunk;
        harness.Client.Enqueue(DaemonHarness.ImportJob() with { TemplateFileHash = hash });
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        Assert.Null(result.Fail);
        Assert.Equal(2, harness.Client.HeaderCalls);
        Assert.Equal(25, harness.Provisioner.LastFiles!.TemplateArchive.Length);
    }

    [Fact]
    public async Task A_transfer_that_keeps_missing_a_piece_fails_the_job_without_running_the_provisioner()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ChunkSize = 10;
        var hash = harness.Client.AddFile([.. Enumerable.Range(0, 25).Select(i => (byte)i)]);
        // The second piece never arrives: the third comes in its place.
        harness.Client.ChunkTamper = (_, chunk) => chunk.PieceIndex == 1 ? chunk with { PieceIndex = 2 } : chunk;
        harness.Client.Enqueue(DaemonHarness.BuildJob() with { TemplateFileHash = hash });
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        Assert.Equal(ProvisionerErrorCodes.FileUnavailable, result.Fail!.ErrorCode);
        Assert.Contains("chunks ordering, expected chunk index 1, got 2", result.Fail.Error, StringComparison.Ordinal);
        Assert.Equal(FileFetcher.Attempts, harness.Client.HeaderCalls);
        Assert.False(harness.Provisioner.Started.IsCompleted);
        Assert.Empty(new FileCache(harness.Options.EffectiveCacheDirectory, 1 << 20, TimeProvider.System).Entries());
    }

    [Fact]
    public async Task An_imports_modules_archive_is_stored_before_the_completion_names_it_and_builds_get_it_in_chunks()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ChunkSize = 7;
        var modules = Enumerable.Range(0, 40).Select(i => (byte)(i * 3)).ToArray();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(modules));
        harness.Provisioner.ModulesArchive = modules;
        harness.Client.Enqueue(DaemonHarness.ImportJob());
        _ = harness.Start();

        var imported = await harness.NextResultAsync();
        harness.Client.Enqueue(DaemonHarness.BuildJob() with { ModulesFileHash = imported.Complete!.TemplateImport!.ModulesFileHash });
        var built = await harness.NextResultAsync();

        Assert.Equal(hash, imported.Complete.TemplateImport.ModulesFileHash);
        Assert.Null(built.Fail);
        Assert.Equal(modules, harness.Provisioner.LastFiles!.ModulesArchive);
        Assert.Equal(6, harness.Client.ChunkCalls);
    }

    [Fact]
    public async Task An_import_whose_modules_archive_the_server_stored_as_other_bytes_fails()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.ModulesArchive = [1, 2, 3];
        harness.Client.UploadTamper = _ => new string('b', 64);
        harness.Client.Enqueue(DaemonHarness.ImportJob());
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        Assert.Equal(ProvisionerErrorCodes.FileUnavailable, result.Fail!.ErrorCode);
        Assert.Contains(harness.Client.LogLines, line => line.Level == ProvisionerLogLevel.Error && line.Output.Contains("hash to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_the_server_does_not_have_fails_the_job()
    {
        await using var harness = new DaemonHarness();
        harness.Client.Enqueue(DaemonHarness.ImportJob() with { TemplateFileHash = new string('a', 64) });
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        Assert.Equal(ProvisionerErrorCodes.FileUnavailable, result.Fail!.ErrorCode);
    }

    [Fact]
    public async Task An_env_merge_error_fails_the_build_at_plan_time_before_apply_runs()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.PlannedAgents =
        [
            new PlannedAgentEnvironment("main", "outpost_agent.main", [new ExtraEnv("TOKEN", "a"), new ExtraEnv("TOKEN", "b", ExtraEnv.Error)], new Dictionary<string, string>()),
        ];
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        Assert.Equal(ProvisionerErrorCodes.EnvMerge, result.Fail!.ErrorCode);
        Assert.Equal("outpost_agent.main: duplicate env var \"TOKEN\": merge_strategy is \"error\" but variable is already defined", result.Fail.Error);
        Assert.Equal(0, harness.Provisioner.Applies);
        Assert.Contains(harness.Client.LogLines, line => line.Stage == BuildSteps.MergeStage && line.Level == ProvisionerLogLevel.Error);
    }

    [Fact]
    public async Task The_build_reports_each_agents_environment_merged_once_with_nothing_left_to_merge()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.PlannedAgents =
        [
            new PlannedAgentEnvironment("main", "outpost_agent.main",
                [new ExtraEnv("PATH", "/a"), new ExtraEnv("PATH", "/b", ExtraEnv.Append), new ExtraEnv("PATH", "/z", ExtraEnv.Prepend)],
                new Dictionary<string, string> { ["EDITOR"] = "vi" }),
        ];
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var result = await harness.NextResultAsync();

        var agent = Assert.Single(Assert.Single(result.Complete!.WorkspaceBuild!.Resources).Agents);
        Assert.Equal(new Dictionary<string, string> { ["EDITOR"] = "vi", ["PATH"] = "/z:/a:/b" }, agent.Env);
        Assert.Empty(agent.ExtraEnvs);
        Assert.Equal(1, harness.Provisioner.Applies);
    }
}
