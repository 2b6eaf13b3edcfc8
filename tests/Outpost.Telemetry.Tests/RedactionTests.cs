using Outpost.Telemetry.Redaction;
using Outpost.Telemetry.Tests.Local;

namespace Outpost.Telemetry.Tests;

public sealed class RedactionTests
{
    // Shaped like a generated secret: mixed case and digits, long enough to be one.
    private const string Canary = "Zq9CanaRy7xYt2Lp4Wm8Rb";

    [Theory]
    [InlineData("https://admin:hunter2@git.example.com/repo.git", "https://[REDACTED]@git.example.com/repo.git")]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: [REDACTED] [REDACTED]")]
    [InlineData("curl -H 'Bearer abcdef123'", "curl -H 'Bearer [REDACTED]'")]
    [InlineData("password=letmein&user=bob", "password=[REDACTED]&user=bob")]
    [InlineData("{\"refresh_token\": \"r1\"}", "{\"refresh_token\": \"[REDACTED]\"}")]
    [InlineData("key ghp_abcdefghijklmnopqrstuvwxyz0123 leaked", "key [REDACTED] leaked")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x", "jwt [REDACTED]")]
    [InlineData("session Ab3dEf6hIj-KlMnOpQrStUvWxYz0123456", "session Ab3dEf6hIj-[REDACTED]")]
    [InlineData("used 3k9x0abcde-Q7wErTy2uIoP4aSdF6gHjK8lZxCvB1nM", "used [REDACTED]")]
    [InlineData("GET https://h.example.com/api?access_token=abc&page=2", "GET https://h.example.com/api?access_token=[REDACTED]&page=2")]
    [InlineData("https://bucket.example.com/o?X-Amz-Signature=deadbeef&sig=x1", "https://bucket.example.com/o?X-Amz-Signature=[REDACTED]&sig=[REDACTED]")]
    [InlineData("callback?code=4/0AbCd&state=ok", "callback?code=[REDACTED]&state=ok")]
    [InlineData("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: [REDACTED] [REDACTED]")]
    [InlineData("sent Basic dXNlcjpwYXNzd29yZA== upstream", "sent Basic [REDACTED] upstream")]
    [InlineData("token Zq9CanaRy7xYt2 was refused", "token [REDACTED] was refused")]
    public void Secrets_in_free_text_are_replaced_and_the_rest_stays_readable(string input, string expected)
    {
        Assert.Equal(expected, TelemetryRedactor.RedactText(input));
    }

    [Theory]
    [InlineData("reactive")]
    [InlineData("workspace.start.triggered")]
    [InlineData("https://outpost.example.com/api/v2/workspaces")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("3fa85f64-5717-4562-b3fc-2c963f66afa6")]
    [InlineData("connection refused by 10.0.0.1:443")]
    [InlineData("my-long-workspace-name-for-the-team")]
    [InlineData("No refresh token available")]
    [InlineData("token exchange refused")]
    [InlineData("Basic authentication required")]
    [InlineData("Bearer token missing; run outpost login")]
    [InlineData("workspace DevBox2024Production01 is running")]
    [InlineData("DevBox2024Production01")]
    [InlineData("owner/MyWorkspaceV2Beta3Test")]
    [InlineData("TemplateVersion20260504Release")]
    [InlineData("https://outpost.example.com/api/v2/workspaces?owner=me&name=DevBox2024Production01")]
    [InlineData("the session token expired at 12:00; log in again")]
    [InlineData("refresh token rejected: invalid_grant")]
    public void Ordinary_values_pass_unchanged(string value)
    {
        Assert.Equal(value, TelemetryRedactor.RedactText(value));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("sessionToken")]
    [InlineData("api_key")]
    [InlineData("Authorization")]
    [InlineData("client.secret")]
    public void A_property_whose_key_names_a_secret_is_hidden_entirely(string key)
    {
        Assert.Equal("[REDACTED]", TelemetryRedactor.RedactProperty(key, "anything"));
    }

    [Fact]
    public async Task Known_prose_and_names_survive_emission_unchanged()
    {
        string[] survivors =
        [
            "No refresh token available", "token exchange refused", "Basic authentication required",
            "DevBox2024Production01", "workspace owner/DevBox2024Production01 not found",
        ];
        await using var harness = new SinkHarness();
        var service = harness.Service;
        foreach (var text in survivors)
        {
            service.Log("prose", new TelemetryProperties { { "message", text } });
        }

        service.LogError("failed", new InvalidOperationException("No refresh token available"), new TelemetryProperties { { "workspaceName", "me/DevBox2024Production01" } });
        await harness.FlushAsync();

        var events = harness.ReadAll();
        Assert.Equal(survivors, events.Where(e => e.EventName == "prose").Select(e => e.Properties["message"]));
        var error = Assert.Single(events, e => e.EventName == "failed");
        Assert.Equal("No refresh token available", error.Error!.Message);
        Assert.Equal("me/DevBox2024Production01", error.Properties["workspaceName"]);
        var text2 = string.Concat(harness.Directory.TelemetryFiles().Select(f => File.ReadAllText(harness.Directory.Combine(f))));
        Assert.DoesNotContain("[REDACTED]", text2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emitted_rows_never_contain_the_canary_however_it_is_passed()
    {
        await using var harness = new SinkHarness();
        var service = harness.Service;
        service.SetDeploymentUrl($"https://user:{Canary}@outpost.example.com");
        service.Log("a", new TelemetryProperties
        {
            { "password", Canary },
            { "note", $"token={Canary}" },
            { "url", $"https://me:{Canary}@host/x" },
            { "raw", Canary },
            { "header", $"Bearer {Canary}" },
        });
        service.LogError("b", new InvalidOperationException($"request to https://u:{Canary}@h failed with Authorization: Bearer {Canary}"));
        Assert.Throws<UnauthorizedAccessException>(() => service.Trace("c", span =>
        {
            span.SetProperty("secret", Canary);
            span.SetProperty("detail", $"api_key: {Canary}");
            span.Log("d", new TelemetryProperties { { "t", Canary } });
            throw new UnauthorizedAccessException($"token {Canary} rejected");
        }));
        await harness.FlushAsync();

        var text = string.Concat(harness.Directory.TelemetryFiles().Select(f => File.ReadAllText(harness.Directory.Combine(f))));
        Assert.Contains("[REDACTED]", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, text, StringComparison.Ordinal);
        Assert.Equal(4, harness.ReadAll().Count);
    }
}
