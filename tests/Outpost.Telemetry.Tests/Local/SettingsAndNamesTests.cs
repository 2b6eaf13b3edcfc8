using Outpost.Telemetry.Local;

namespace Outpost.Telemetry.Tests.Local;

public sealed class SettingsAndNamesTests
{
    [Fact]
    public void Rule_3_defaults_apply_when_nothing_is_set()
    {
        var settings = LocalTelemetrySettings.Parse(null);

        Assert.Equal(15_000, settings.FlushIntervalMs);
        Assert.Equal(100, settings.FlushBatchSize);
        Assert.Equal(500, settings.BufferLimit);
        Assert.Equal(5_242_880, settings.MaxFileBytes);
        Assert.Equal(30, settings.MaxAgeDays);
        Assert.Equal(104_857_600, settings.MaxTotalBytes);
    }

    [Fact]
    public void Rule_3_valid_fields_are_taken_as_given()
    {
        var settings = LocalTelemetrySettings.Parse("""{"flushIntervalMs":1000,"flushBatchSize":1,"bufferLimit":10,"maxFileBytes":4096,"maxAgeDays":1,"maxTotalBytes":4096}""");

        Assert.Equal(new LocalTelemetrySettings { FlushIntervalMs = 1000, FlushBatchSize = 1, BufferLimit = 10, MaxFileBytes = 4096, MaxAgeDays = 1, MaxTotalBytes = 4096 }, settings);
    }

    [Fact]
    public void Rule_3_a_field_below_its_minimum_or_not_a_number_falls_back_to_the_default_not_the_minimum()
    {
        var settings = LocalTelemetrySettings.Parse("""{"flushIntervalMs":999,"flushBatchSize":0,"bufferLimit":"50","maxFileBytes":null,"maxAgeDays":true,"maxTotalBytes":-1}""");

        Assert.Equal(LocalTelemetrySettings.Default, settings);
    }

    [Fact]
    public void Rule_3_each_field_is_validated_on_its_own()
    {
        var settings = LocalTelemetrySettings.Parse("""{"flushIntervalMs":5,"bufferLimit":20}""");

        Assert.Equal(15_000, settings.FlushIntervalMs);
        Assert.Equal(20, settings.BufferLimit);
    }

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("{not json")]
    public void Rule_3_a_value_that_is_not_an_object_gives_all_defaults(string json)
    {
        Assert.Equal(LocalTelemetrySettings.Default, LocalTelemetrySettings.Parse(json));
    }

    [Fact]
    public void Rule_3_a_buffer_limit_below_the_batch_size_is_kept_and_flagged()
    {
        var settings = LocalTelemetrySettings.Parse("""{"bufferLimit":10,"flushBatchSize":50}""");

        Assert.Equal(10, settings.BufferLimit);
        Assert.Equal(50, settings.FlushBatchSize);
        Assert.True(settings.BatchTriggerUnreachable);
    }

    [Fact]
    public void Rule_4_1_directory_prefers_the_explicit_variable_then_xdg_then_home()
    {
        Assert.Equal("/srv/t", TelemetryPaths.ResolveDirectory(n => n == "OUTPOST_TELEMETRY_DIR" ? "/srv/t" : null));
        Assert.Equal("/data/outpost/telemetry", TelemetryPaths.ResolveDirectory(n => n switch { "XDG_DATA_HOME" => "/data", "HOME" => "/home/u", _ => null }));
        Assert.Equal("/home/u/.local/share/outpost/telemetry", TelemetryPaths.ResolveDirectory(n => n switch { "XDG_DATA_HOME" => "relative", "HOME" => "/home/u", _ => null }));
    }

    [Fact]
    public void Rule_4_1_file_names_format_with_a_part_suffix_only_above_zero()
    {
        var date = new DateOnly(2026, 5, 12);

        Assert.Equal("telemetry-2026-05-12-aaaaaaaa.jsonl", TelemetryFileName.Format(date, "aaaaaaaa", 0));
        Assert.Equal("telemetry-2026-05-12-aaaaaaaa.3.jsonl", TelemetryFileName.Format(date, "aaaaaaaa", 3));
    }

    [Fact]
    public void Rule_4_1_the_name_pattern_parses_date_session_and_part()
    {
        Assert.True(TelemetryFileName.TryParse("telemetry-2026-05-12-aaaaaaaa.12.jsonl", out var parsed));
        Assert.Equal(new TelemetryFileName(new DateOnly(2026, 5, 12), "aaaaaaaa", 12), parsed);
        Assert.True(TelemetryFileName.TryParse("telemetry-2026-05-12-aaaaaaaa.jsonl", out var first));
        Assert.Equal(0, first.Part);
    }

    [Theory]
    [InlineData("notes.jsonl")]
    [InlineData("telemetry-2026-05-12-aaaaaaaa.json")]
    [InlineData("telemetry-2026-05-12-aaaaaaaa.bad.jsonl")]
    [InlineData("telemetry-2026-05-12.jsonl")]
    [InlineData("telemetry-2026-02-30-aaaaaaaa.jsonl")]
    public void Rule_4_1_other_names_are_not_telemetry_files(string name)
    {
        Assert.False(TelemetryFileName.TryParse(name, out _));
    }

    [Theory]
    [InlineData("0123456789abcdef", "01234567")]
    [InlineData("ab-cd_ef.gh!ij", "abcdefgh")]
    [InlineData("xyz", "xyz")]
    [InlineData("--__", "anon0000")]
    [InlineData("", "anon0000")]
    public void Rule_4_1_the_slug_is_the_first_8_alphanumerics_of_the_session_id(string sessionId, string slug)
    {
        Assert.Equal(slug, TelemetryFileName.Slug(sessionId));
    }
}
