using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Outpost.Agent.Sessions;

/// <summary>
/// Raw file descriptors (pipes, the PTY master) as bounded channels of chunks. Each direction has its own
/// thread doing blocking reads or writes — a pipe or a terminal has no async I/O in .NET — and at most
/// <see cref="Depth"/> chunks wait in between, so a slow consumer stops the reads and the process blocks on
/// its own output instead of memory growing.
/// </summary>
internal static unsafe class FdStreams
{
    public const int Depth = 4;
    public const int ChunkBytes = Sdk.Sessions.SessionLimits.MaxPayloadBytes;

    /// <summary>Reads until EOF (or EIO, a PTY whose last slave closed) or until <paramref name="stop"/>; closes the fd at the end.</summary>
    public static ChannelReader<byte[]> Read(int fd, CancellationToken stop)
    {
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        var thread = new Thread(() => ReadLoop(fd, channel.Writer, stop)) { IsBackground = true, Name = "session-read" };
        thread.Start();
        return channel.Reader;
    }

    /// <summary>Writes what the channel carries until it completes (then closes the fd) or the fd breaks.</summary>
    public static ChannelWriter<byte[]> Write(int fd, bool closeAtEnd, Action<Exception?>? ended = null)
    {
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = false });
        var thread = new Thread(() => WriteLoop(fd, closeAtEnd, channel, ended)) { IsBackground = true, Name = "session-write" };
        thread.Start();
        return channel.Writer;
    }

    private static void ReadLoop(int fd, ChannelWriter<byte[]> writer, CancellationToken stop)
    {
        var buffer = new byte[ChunkBytes];
        Exception? error = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var entry = new Libc.PollFd { Fd = fd, Events = Libc.PollIn };

                // Short slices only so that a stop is noticed; data wakes the poll at once.
                var ready = Libc.poll(ref entry, 1, 200);
                if (ready == 0 || (ready < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR))
                {
                    continue;
                }

                nint count;
                fixed (byte* p = buffer)
                {
                    count = Libc.read(fd, p, buffer.Length);
                }

                if (count > 0)
                {
                    // A dedicated thread: waiting here is the backpressure.
                    writer.WriteAsync(buffer.AsSpan(0, (int)count).ToArray(), stop).AsTask().GetAwaiter().GetResult();
                    continue;
                }

                var errno = count < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno is Libc.EINTR or Libc.EAGAIN)
                {
                    continue;
                }

                break;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (Exception ex) when (ex is ChannelClosedException)
        {
            error = ex;
        }
        finally
        {
            _ = Libc.close(fd);
            writer.TryComplete(error);
        }
    }

    private static void WriteLoop(int fd, bool closeAtEnd, Channel<byte[]> channel, Action<Exception?>? ended)
    {
        var reader = channel.Reader;
        Exception? error = null;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var chunk))
                {
                    var offset = 0;
                    while (offset < chunk.Length)
                    {
                        nint written;
                        fixed (byte* p = chunk)
                        {
                            written = Libc.write(fd, p + offset, chunk.Length - offset);
                        }

                        if (written < 0)
                        {
                            var errno = Marshal.GetLastPInvokeError();
                            if (errno == Libc.EINTR)
                            {
                                continue;
                            }

                            throw new IOException($"write failed (errno {errno})");
                        }

                        offset += (int)written;
                    }
                }
            }
        }
        catch (IOException ex)
        {
            error = ex;
        }
        finally
        {
            if (closeAtEnd)
            {
                _ = Libc.close(fd);
            }

            // Writers waiting for room fail instead of waiting forever for a reader that has stopped.
            channel.Writer.TryComplete(error ?? new IOException("the process no longer reads its input"));
            while (reader.TryRead(out _))
            {
            }

            ended?.Invoke(error);
        }
    }
}
