namespace Outpost.Telemetry.Tests;

public sealed class DeploymentUrlTests
{
    [Theory]
    [InlineData("https://outpost.example.com/", "https://outpost.example.com")]
    [InlineData("https://admin:hunter2@Outpost.Example.com:443/api/v2?token=abc#x", "https://outpost.example.com")]
    [InlineData("http://127.0.0.1:3000/", "http://127.0.0.1:3000")]
    [InlineData("http://[::1]:8080/path", "http://[::1]:8080")]
    [InlineData("https://h.example.com:8443", "https://h.example.com:8443")]
    [InlineData("not a url", "")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Deployment_urls_are_reduced_to_scheme_host_and_port(string? url, string expected)
    {
        Assert.Equal(expected, DeploymentUrl.Normalize(url));
    }
}
