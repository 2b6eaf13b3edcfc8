using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Secrets;

/// <summary>
/// The real server with built-in daemons (local and terraform provisioners, real agents), whose
/// every log line (the server's and its daemons', message and fields) is also kept for scanning.
/// </summary>
public sealed class SecretsCanaryFixture : LocalWorkspacesFixture
{
    public ConcurrentQueue<string> Logs { get; } = new();

    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with
    {
        ConfigureApplication = app => app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new CapturingProvider(Logs)),
    };

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{category} {eventId.Id} {formatter(state, exception)} {fields} {exception}");
        }
    }
}
