using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Database;
using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>Instance-identity authentication (coder-spec §3): the cloud checks, then the agent lookup and its branches.</summary>
public sealed class InstanceIdentityTests(InstanceIdentityServerFixture fixture) : IClassFixture<InstanceIdentityServerFixture>
{
    private TestClouds Clouds => fixture.Clouds;

    [Fact]
    public async Task Each_clouds_document_trades_for_a_token_the_agent_api_accepts()
    {
        var aws = await SeedAsync("i-aws" + Suffix(), "main");
        var awsPkcs7 = await SeedAsync("i-pkcs7" + Suffix(), "main");
        var azure = await SeedAsync(Guid.NewGuid().ToString(), "main");
        var google = await SeedAsync(Random.Shared.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture), "main");

        var document = TestClouds.AwsDocument(aws.InstanceId);
        var pkcs7Document = TestClouds.AwsDocument(awsPkcs7.InstanceId);
        foreach (var (path, body, seeded) in new (string, object, Seeded)[]
        {
            (InstanceIdentityApi.AwsPath, new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsSignature(document) }, aws),
            (InstanceIdentityApi.AwsPath, new AwsInstanceIdentityRequest { Document = pkcs7Document, Signature = Clouds.AwsPkcs7(pkcs7Document) }, awsPkcs7),
            (InstanceIdentityApi.AzurePath, new AzureInstanceIdentityRequest { Signature = Clouds.AzureAttestedData(azure.InstanceId) }, azure),
            (InstanceIdentityApi.GooglePath, new GoogleInstanceIdentityRequest { JsonWebToken = Clouds.GoogleToken(google.InstanceId) }, google),
        })
        {
            var token = await TokenAsync(path, body);
            using var manifest = await ManifestAsync(token);
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(seeded.Agents["main"], (await manifest.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options))!.AgentId);
        }
    }

    [Fact]
    public async Task A_name_selects_that_root_agent_and_an_unknown_name_is_a_404_listing_the_instances_agents()
    {
        var seeded = await SeedAsync("i-named" + Suffix(), "main", "dev");

        var token = await TokenAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId, agentName: "  dev "));
        using var manifest = await ManifestAsync(token);
        Assert.Equal(seeded.Agents["dev"], (await manifest.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options))!.AgentId);

        using var unknown = await PostAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId, agentName: "Dev"));
        var problem = await ProblemAsync(unknown);
        Assert.Equal((HttpStatusCode.NotFound, ProblemCodes.AgentNotFound), (unknown.StatusCode, Code(problem)));
        Assert.Contains("no agent named \"Dev\"; its agents are dev, main", Detail(problem), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Without_a_name_several_root_agents_are_a_409_that_lists_their_names_sorted(string? agentName)
    {
        var seeded = await SeedAsync("i-several" + Suffix(), "web", "db", "main");

        using var response = await PostAsync(InstanceIdentityApi.GooglePath,
            new GoogleInstanceIdentityRequest { JsonWebToken = Clouds.GoogleToken(seeded.InstanceId), AgentName = agentName });
        var problem = await ProblemAsync(response);

        Assert.Equal((HttpStatusCode.Conflict, ProblemCodes.AgentNameRequired), (response.StatusCode, Code(problem)));
        Assert.Equal(["db", "main", "web"], problem.GetProperty("agent_names").EnumerateArray().Select(n => n.GetString()!));
        Assert.Contains("set OUTPOST_AGENT_NAME", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_name_the_only_root_agent_is_chosen_even_when_it_has_sub_agents_and_a_sub_agent_cannot_be_selected()
    {
        var seeded = await SeedAsync("i-parent" + Suffix(), "main");
        await ExecuteAsync("""
            INSERT INTO workspace_agents (id, build_id, resource_id, name, operating_system, architecture, created_at, parent_id)
            SELECT $1, build_id, resource_id, 'devcontainer', operating_system, architecture, created_at, id FROM workspace_agents WHERE id = $2
            """, Guid.NewGuid(), seeded.Agents["main"]);

        var token = await TokenAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId));
        using var manifest = await ManifestAsync(token);
        Assert.Equal(seeded.Agents["main"], (await manifest.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options))!.AgentId);

        using var subAgent = await PostAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId, agentName: "devcontainer"));
        Assert.Equal(HttpStatusCode.NotFound, subAgent.StatusCode);
    }

    [Fact]
    public async Task A_sub_agent_never_carries_an_instance_id_of_its_own()
    {
        var seeded = await SeedAsync("i-child" + Suffix(), "main");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("""
            INSERT INTO workspace_agents (id, build_id, resource_id, name, operating_system, architecture, created_at, parent_id, auth_instance_id)
            SELECT $1, build_id, resource_id, 'child', operating_system, architecture, created_at, id, auth_instance_id FROM workspace_agents WHERE id = $2
            """, Guid.NewGuid(), seeded.Agents["main"]));

        Assert.Equal("workspace_agents_subagent_has_no_instance", refused.ConstraintName);
    }

    [Fact]
    public async Task Only_agents_of_the_workspaces_latest_build_count()
    {
        var seeded = await SeedAsync("i-rebuilt" + Suffix(), "old");
        var newer = await AddBuildAsync(seeded, "new");

        using var old = await PostAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId, agentName: "old"));
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);

        var token = await TokenAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId));
        using var manifest = await ManifestAsync(token);
        Assert.Equal(newer, (await manifest.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options))!.AgentId);
    }

    [Fact]
    public async Task A_second_exchange_gives_a_new_token_and_the_first_stops_working()
    {
        var seeded = await SeedAsync("i-twice" + Suffix(), "main");
        var first = await TokenAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId));
        var second = await TokenAsync(InstanceIdentityApi.AwsPath, Aws(seeded.InstanceId));

        using var stale = await ManifestAsync(first);
        using var current = await ManifestAsync(second);

        Assert.NotEqual(first, second);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (stale.StatusCode, current.StatusCode));
    }

    [Fact]
    public async Task An_instance_no_agent_is_registered_for_is_a_401_that_names_no_workspace()
    {
        var document = TestClouds.AwsDocument("i-unknown" + Suffix());

        using var response = await PostAsync(InstanceIdentityApi.AwsPath, new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsSignature(document) });
        var problem = await ProblemAsync(response);

        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.InstanceIdentityInvalid), (response.StatusCode, Code(problem)));
        Assert.Equal("the aws instance identity was not accepted: no workspace agent is registered for this instance", Detail(problem));
    }

    [Fact]
    public async Task An_aws_document_signed_by_another_key_or_changed_after_signing_is_refused()
    {
        var seeded = await SeedAsync("i-forged" + Suffix(), "main");
        var document = TestClouds.AwsDocument(seeded.InstanceId);
        using var stranger = RSA.Create(2048);
        var strangerCertificate = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=ec2.test.amazonaws.com", stranger, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var other = TestClouds.AwsDocument("i-other" + Suffix());

        foreach (var forged in new[]
        {
            new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsSignature(document, stranger) },
            new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsSignature(other) },
            // A PKCS#7 that brings its own (untrusted) certificate must not vouch for itself.
            new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsPkcs7(document, strangerCertificate, carryCertificate: true) },
            // Signed content that differs from the document beside it.
            new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsPkcs7(other) },
        })
        {
            using var response = await PostAsync(InstanceIdentityApi.AwsPath, forged);
            var problem = await ProblemAsync(response);
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.InstanceIdentityInvalid), (response.StatusCode, Code(problem)));
            Assert.Contains("signature does not verify", Detail(problem), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Azure_attested_data_is_refused_when_its_certificate_expired_chains_elsewhere_or_is_not_azures()
    {
        var seeded = await SeedAsync(Guid.NewGuid().ToString(), "main");
        var now = DateTimeOffset.UtcNow;
        using var otherRootKey = RSA.Create(2048);
        var otherRoot = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Other Root", otherRootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherRoot.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var otherRootCertificate = otherRoot.CreateSelfSigned(now.AddDays(-30), now.AddYears(1));

        foreach (var (leaf, reason) in new[]
        {
            (Clouds.Issue("metadata.azure.com", now.AddDays(-30), now.AddDays(-1)), "has expired"),
            (Clouds.Issue("metadata.azure.com", now.AddDays(-1), now.AddDays(30), otherRootCertificate), "does not chain to a trusted Azure root"),
            (Clouds.Issue("metadata.example.com", now.AddDays(-1), now.AddDays(30)), "not an Azure metadata service name"),
        })
        {
            using var response = await PostAsync(InstanceIdentityApi.AzurePath, new AzureInstanceIdentityRequest { Signature = Clouds.AzureAttestedData(seeded.InstanceId, leaf) });
            var problem = await ProblemAsync(response);
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.InstanceIdentityInvalid), (response.StatusCode, Code(problem)));
            Assert.Contains(reason, Detail(problem), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_google_token_for_another_audience_expired_or_signed_by_an_unknown_key_is_refused()
    {
        var seeded = await SeedAsync("9" + Random.Shared.Next(1, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture), "main");
        using var stranger = RSA.Create(2048);

        foreach (var (jwt, reason) in new[]
        {
            (Clouds.GoogleToken(seeded.InstanceId, audience: "https://someone-else.test"), "another audience"),
            (Clouds.GoogleToken(seeded.InstanceId, expires: fixture.Clock.GetUtcNow().AddMinutes(-5)), "has expired"),
            (Clouds.GoogleToken(seeded.InstanceId, keyId: "rotated-away"), "unknown kid"),
            (Clouds.GoogleToken(seeded.InstanceId, key: stranger), "signature does not verify"),
        })
        {
            using var response = await PostAsync(InstanceIdentityApi.GooglePath, new GoogleInstanceIdentityRequest { JsonWebToken = jwt });
            var problem = await ProblemAsync(response);
            Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.InstanceIdentityInvalid), (response.StatusCode, Code(problem)));
            Assert.Contains(reason, Detail(problem), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("aws", "signature")]
    [InlineData("azure", "encoding")]
    [InlineData("google", "json_web_token")]
    public async Task A_malformed_document_is_a_400_naming_the_field(string cloud, string field)
    {
        var (path, body) = cloud switch
        {
            "aws" => (InstanceIdentityApi.AwsPath, (object)new AwsInstanceIdentityRequest { Document = "{}", Signature = "not base64!" }),
            "azure" => (InstanceIdentityApi.AzurePath, new AzureInstanceIdentityRequest { Encoding = "json", Signature = "AAAA" }),
            _ => (InstanceIdentityApi.GooglePath, new GoogleInstanceIdentityRequest { JsonWebToken = "not-a-jwt" }),
        };

        using var response = await PostAsync(path, body);
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    private sealed record Seeded(string InstanceId, Dictionary<string, Guid> Agents, SeededAgent First);

    private static string Suffix() => Guid.NewGuid().ToString("N")[..12];

    private AwsInstanceIdentityRequest Aws(string instanceId, string? agentName = null)
    {
        var document = TestClouds.AwsDocument(instanceId);
        return new AwsInstanceIdentityRequest { Document = document, Signature = Clouds.AwsSignature(document), AgentName = agentName };
    }

    /// <summary>A workspace whose latest build has root agents with these names, all on one instance.</summary>
    private async Task<Seeded> SeedAsync(string instanceId, params string[] names)
    {
        var first = await AgentSeed.CreateAsync(fixture.ConnectionString);
        var agents = new Dictionary<string, Guid> { [names[0]] = first.AgentId };
        await ExecuteAsync("UPDATE workspace_agents SET name = $2, auth_instance_id = $3 WHERE id = $1", first.AgentId, names[0], instanceId);
        foreach (var name in names.Skip(1))
        {
            agents[name] = Guid.NewGuid();
            await ExecuteAsync("""
                INSERT INTO workspace_agents (id, build_id, resource_id, name, operating_system, architecture, created_at, auth_instance_id)
                SELECT $1, build_id, resource_id, $3, operating_system, architecture, created_at, auth_instance_id FROM workspace_agents WHERE id = $2
                """, agents[name], first.AgentId, name);
        }

        return new Seeded(instanceId, agents, first);
    }

    /// <summary>A second, succeeded start build of the seeded workspace with one agent on the same instance.</summary>
    private async Task<Guid> AddBuildAsync(Seeded seeded, string name)
    {
        var buildId = await AgentSeed.QueueBuildAsync(fixture.ConnectionString, seeded.First, Sdk.Provisioning.WorkspaceTransition.Start);
        var agentId = Guid.NewGuid();
        await ExecuteAsync("""
            UPDATE provisioner_jobs SET started_at = now(), completed_at = now() WHERE id = (SELECT job_id FROM workspace_builds WHERE id = $1)
            """, buildId);
        await ExecuteAsync("""
            INSERT INTO workspace_agents (id, build_id, resource_id, name, operating_system, architecture, created_at, auth_instance_id)
            SELECT $1, $2, resource_id, $3, operating_system, architecture, created_at, auth_instance_id FROM workspace_agents WHERE id = $4
            """, agentId, buildId, name, seeded.First.AgentId);
        return agentId;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.With(value);
        }

        await command.ExecuteNonQueryAsync().WithTimeout();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body) =>
        await fixture.Client.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(body, body.GetType(), options: OutpostJson.Options)).WithTimeout();

    private async Task<string> TokenAsync(string path, object body)
    {
        using var response = await PostAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<InstanceIdentityResponse>(OutpostJson.Options))!.SessionToken;
    }

    private async Task<HttpResponseMessage> ManifestAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{AgentApi.Prefix}/manifest");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await fixture.Client.SendAsync(request).WithTimeout();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();

    private static string? Code(JsonElement problem) => problem.GetProperty("code").GetString();

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString()!;
}
