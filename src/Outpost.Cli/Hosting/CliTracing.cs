using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Outpost.Cli.Hosting;

/// <summary>
/// Traces of the <c>outpost</c> process, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (read from the invocation's environment, as every setting of the CLI is): one span per invocation,
/// its HTTP requests (which carry its <c>traceparent</c> to the server), for <c>outpost agent</c> the
/// agent's start, and for <c>outpost provisionerd</c> its jobs. Without the variable nothing listens and no span is made.
/// </summary>
internal static class CliTracing
{
    public const string Name = "Outpost.Cli";

    public static ActivitySource ActivitySource { get; } = new(Name, Sdk.BuildVersion.Version);

    /// <summary>A tracer provider for this invocation (disposing it exports what is left); null when OTLP is not configured.</summary>
    public static TracerProvider? Start(Func<string, string?> environment, string service)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("OTEL_EXPORTER_OTLP_ENDPOINT") is not { Length: > 0 } endpoint || !Uri.TryCreate(endpoint, UriKind.Absolute, out var baseUri))
        {
            return null;
        }

        // The variables the OpenTelemetry SDK reads from the process are read here from the invocation's environment.
        var http = string.Equals(environment("OTEL_EXPORTER_OTLP_PROTOCOL"), "http/protobuf", StringComparison.Ordinal);
        var delay = int.TryParse(environment("OTEL_BSP_SCHEDULE_DELAY"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 5000;
        return OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.AddService(service, serviceVersion: Sdk.BuildVersion.Version))
            .AddSource(Name, "Outpost.Agent", "Outpost.Provisioner", "System.Net.Http")
            .AddOtlpExporter(options =>
            {
                options.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                options.Endpoint = http ? new Uri(baseUri, baseUri.AbsolutePath.TrimEnd('/') + "/v1/traces") : baseUri;
                options.BatchExportProcessorOptions = new BatchExportProcessorOptions<Activity> { ScheduledDelayMilliseconds = delay };
            })
            .Build();
    }
}
