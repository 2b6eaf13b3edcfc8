using System.CommandLine;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tasks;

/// <summary>
/// <c>outpost tasks export TASK [--sanitize] [-o FILE]</c>: the task's export (docs/tasks.md "Exporting a task") on
/// stdout or in a file (0600, replaced only once the whole export arrived). <c>--sanitize</c> leaves out every piece of
/// conversation content, so the file can be attached to a bug report.
/// </summary>
internal static class TaskExportCommand
{
    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var sanitize = new Option<bool>("--sanitize") { Description = "Leave out all conversation content (prompt, model output, tool calls and results): safe to attach to a bug report." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var command = new Command("export", "Export a task's messages with their run diagnostics, and every run's summary and incident, as JSON.") { task, sanitize, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            var sanitized = result.GetValue(sanitize);
            if (result.GetValue(output) is not { } path)
            {
                await using var stdout = new TextWriterStream(context.Out);
                await client.Api.ExportTaskAsync(found.Id, sanitized, stdout, ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync().ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var full = Path.GetFullPath(path);
            var partial = full + ".partial";
            try
            {
                await using (var file = new FileStream(partial, new FileStreamOptions
                {
                    Mode = FileMode.Create,
                    Access = FileAccess.Write,
                    UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }))
                {
                    await client.Api.ExportTaskAsync(found.Id, sanitized, file, ct).ConfigureAwait(false);
                }

                File.Move(partial, full, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            await context.Error.WriteLineAsync($"Wrote the {(sanitized ? "sanitized " : string.Empty)}export of task {found.WorkspaceName} to {full}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>UTF-8 bytes written through to the CLI's stdout writer as they come (the export is never held whole).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly System.Text.Decoder _decoder = System.Text.Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var chars = new char[_decoder.GetCharCount(buffer.Span, flush: false)];
            var count = _decoder.GetChars(buffer.Span, chars, flush: false);
            await writer.WriteAsync(chars.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
