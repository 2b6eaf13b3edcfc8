using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// run-observability-spec §6.2 (fingerprints), §6.3 (tool names), §6.4 (tool effects), §6.5 (markers).
public sealed class SafeTextTests
{
    [Theory]
    [InlineData("read", "read")]
    [InlineData("  run_command  ", "run_command")]
    [InlineData("mcp server:tool", "mcp_server:tool")]
    [InlineData("", "unknown")]
    [InlineData(null, "unknown")]
    [InlineData("https://evil.example.com", "redacted")]
    [InlineData("HTTP://x", "redacted")]
    [InlineData("a/b", "redacted")]
    [InlineData("a\\b", "redacted")]
    [InlineData("what?", "redacted")]
    [InlineData("get_Token", "redacted")]
    [InlineData("sk-abc", "redacted")]
    [InlineData("cookie_jar", "redacted")]
    [InlineData("bearer", "redacted")]
    [InlineData("reset_password", "redacted")] // §11.8 decided: "password" is redacted in tool names too.
    [InlineData("naïve", "na_ve")]
    public void Tool_names_become_safe_names(string? raw, string expected)
    {
        Assert.Equal(expected, RunSafeText.ToolName(raw));
    }

    [Fact]
    public void Tool_names_are_cut_to_eighty_characters_before_the_checks()
    {
        Assert.Equal(new string('a', 80), RunSafeText.ToolName(new string('a', 85) + "/"));
    }

    [Theory]
    [InlineData("raw_tool_input", "raw_tool_input")]
    [InlineData("", "redacted")]
    [InlineData("C:\\Users", "redacted")]
    [InlineData("my password", "redacted")]
    [InlineData("x y", "x_y")]
    public void Redaction_markers_become_safe_markers(string raw, string expected)
    {
        Assert.Equal(expected, RunSafeText.Marker(raw));
    }

    [Theory]
    [InlineData("UND_ERR_SOCKET", "UND_ERR_SOCKET")]
    [InlineData(" ECONNRESET ", "ECONNRESET")]
    [InlineData("System.IO.IOException", "System.IO.IOException")]
    [InlineData("has space", null)]
    [InlineData("List`1", null)]
    [InlineData("", null)]
    public void Names_and_codes_survive_only_when_low_cardinality(string raw, string? expected)
    {
        Assert.Equal(expected, RunSafeText.LowCardinality(raw));
        Assert.Null(RunSafeText.LowCardinality(new string('a', 81)));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData(" Terminated ", "terminated")]
    [InlineData("aborted", "aborted")]
    [InlineData("other side closed", "other side closed")]
    [InlineData("Tool execution aborted by stop", "tool execution aborted")]
    [InlineData("the socket was closed", "socket closed")]
    [InlineData("request timed out", "timeout")]
    [InlineData("HttpClient.Timeout of 100 seconds elapsing", "timeout")]
    [InlineData("Rate limit reached for gpt-4o", "rate_limit")]
    [InlineData("401 Unauthorized", "auth_failure")]
    [InlineData("Forbidden", "auth_failure")]
    [InlineData("secret sk-live-123 in /home/me/file.txt", "redacted")]
    public void Messages_are_bucketed_never_kept(string raw, string? expected)
    {
        Assert.Equal(expected, RunSafeText.MessageBucket(raw));
    }

    [Fact]
    public void A_fingerprint_keeps_type_names_codes_and_buckets_but_no_message_text()
    {
        // §6.2: the raw message never survives; the inner exception gives the cause fields.
        var error = new InvalidOperationException("prompt: please delete /home/me with token sk-123", new IOException("socket closed by peer"));
        var fingerprint = ErrorFingerprints.Of(error);

        Assert.Equal(new ErrorFingerprint { Name = "InvalidOperationException", Message = "redacted", CauseName = "IOException", CauseCode = TransportCauseCodes.IoError, CauseMessage = "socket closed" }, fingerprint);
        var json = System.Text.Json.JsonSerializer.Serialize(fingerprint, RunObservabilityJsonContext.Default.ErrorFingerprint);
        Assert.DoesNotContain("sk-123", json, StringComparison.Ordinal);
        Assert.DoesNotContain("/home", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_error_gives_an_empty_fingerprint_and_a_bare_message_only_a_bucket()
    {
        Assert.Equal(new ErrorFingerprint(), ErrorFingerprints.Of(null));
        Assert.Equal(new ErrorFingerprint { Message = "terminated" }, ErrorFingerprints.OfMessage("terminated"));
    }

    [Theory]
    // §6.4, case-sensitive on the raw name.
    [InlineData("read", ToolEffectKind.ReadOnly, false, true)]
    [InlineData("glob", ToolEffectKind.ReadOnly, false, true)]
    [InlineData("grep", ToolEffectKind.ReadOnly, false, true)]
    [InlineData("webfetch", ToolEffectKind.ReadOnly, false, true)]
    [InlineData("apply_patch", ToolEffectKind.LocalFileWrite, true, true)]
    [InlineData("bash", ToolEffectKind.LocalProcess, true, true)]
    [InlineData("Bash", ToolEffectKind.Unknown, true, false)]
    [InlineData("edit", ToolEffectKind.Unknown, true, false)]
    [InlineData(null, ToolEffectKind.Unknown, true, false)]
    public void Tool_effects_by_name_follow_the_spec_table(string? name, ToolEffectKind kind, bool @unsafe, bool complete)
    {
        Assert.Equal(new RunToolEffect(kind, @unsafe, complete), RunToolEffect.ForToolName(name));
        Assert.Equal(RunToolEffect.ForToolName(name), RunToolEffect.Of(kind));
    }
}
