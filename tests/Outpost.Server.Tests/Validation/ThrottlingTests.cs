using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Passwords;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

public sealed class ThrottledServerFixture : ClockedServerFixture
{
    public const int AccountLimit = 10;
    public const int TokenFailureLimit = 20;

    internal override ServerOptions Customize(ServerOptions options)
    {
        var customized = base.Customize(options);
        return customized with
        {
            Identity = customized.Identity with { LoginAttemptsPerAccount = AccountLimit, TokenFailuresPerAddress = TokenFailureLimit },
        };
    }

    internal T Service<T>() where T : notnull => Server.Services.GetRequiredService<T>();

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x address reaches the loopback listener).</summary>
    public HttpClient ClientFrom(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = BaseAddress, Timeout = TestTimeouts.Default };
}

/// <summary>
/// Issue 13 point 5: failed logins are counted atomically per (account, client address); the
/// anonymous first-user endpoint costs no hash once an owner exists; token guessing is throttled per address.
/// </summary>
public sealed class ThrottlingTests(ThrottledServerFixture fixture) : IClassFixture<ThrottledServerFixture>
{
    [Fact]
    public async Task Thirty_concurrent_wrong_passwords_against_a_limit_of_ten_are_limited_and_the_owner_elsewhere_still_logs_in()
    {
        using var attacker = fixture.ClientFrom("127.0.0.3");
        using var owner = fixture.ClientFrom("127.0.0.4");
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            IdentityApi.LoginRawAsync(attacker, ClockedServerFixture.OwnerEmail, "wrong-password-" + i))).WithTimeout();
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(ThrottledServerFixture.AccountLimit, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(30 - ThrottledServerFixture.AccountLimit, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));

        using var fromAttacker = await IdentityApi.LoginRawAsync(attacker, ClockedServerFixture.OwnerEmail, ClockedServerFixture.OwnerPassword);
        using var fromOwner = await IdentityApi.LoginRawAsync(owner, ClockedServerFixture.OwnerEmail, ClockedServerFixture.OwnerPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, fromAttacker.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromOwner.StatusCode);
    }

    [Fact]
    public async Task A_successful_login_does_not_count_as_a_failure()
    {
        using var client = fixture.ClientFrom("127.0.0.7");
        for (var i = 0; i < ThrottledServerFixture.AccountLimit + 2; i++)
        {
            using var response = await IdentityApi.LoginRawAsync(client, ClockedServerFixture.OwnerEmail, ClockedServerFixture.OwnerPassword);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task The_first_user_endpoint_computes_no_hash_once_an_owner_exists()
    {
        var hasher = fixture.Service<PasswordHasher>();
        var before = hasher.HashesComputed;
        var rows = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        for (var i = 0; i < 5; i++)
        {
            using var response = await IdentityApi.CreateFirstUserAsync(fixture.Client, $"late{i}@example.com", $"late{i}", "a-long-enough-password");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }

        Assert.Equal(before, hasher.HashesComputed);
        Assert.Equal(rows, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task Token_guessing_is_throttled_per_address_on_user_and_agent_endpoints()
    {
        using var guesser = fixture.ClientFrom("127.0.0.5");
        using var other = fixture.ClientFrom("127.0.0.6");
        var token = (await IdentityApi.LoginAsync(other)).AccessToken;

        for (var i = 0; i < ThrottledServerFixture.TokenFailureLimit; i++)
        {
            var path = i % 2 == 0 ? "/api/v2/users/me" : "/api/v2/workspaceagents/me/manifest";
            using var guess = await SendAsync(guesser, path, $"guess{i}-0123456789abcdef");
            Assert.Equal(HttpStatusCode.Unauthorized, guess.StatusCode);
        }

        using var throttled = await SendAsync(guesser, "/api/v2/users/me", "guess-after-the-limit");
        var problem = await ProblemBody.ReadAsync(throttled);
        using var validFromGuesser = await SendAsync(guesser, "/api/v2/users/me", token);
        using var validFromOther = await SendAsync(other, "/api/v2/users/me", token);

        Assert.Equal((HttpStatusCode.TooManyRequests, "too_many_token_failures"), (problem.Status, problem.Code));
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, validFromGuesser.StatusCode);
        Assert.Equal(HttpStatusCode.OK, validFromOther.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request).WithTimeout();
    }
}
