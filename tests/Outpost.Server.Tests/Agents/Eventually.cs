using Outpost.Testing;

namespace Outpost.Server.Tests.Agents;

/// <summary>
/// Re-reads until a condition holds, failing the test with the last value when it does not in time.
/// For what the server writes after an agent sent it: nothing outside the server is told when the row lands.
/// </summary>
internal static class Eventually
{
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TestTimeouts.Short);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"not reached in time; last read: {value}");
            await Task.Delay(25);
        }
    }
}
