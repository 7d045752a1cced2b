namespace Map.Operations.Tests;

/// <summary><c>Map.Host healthcheck [url]</c>, the Dockerfile's HEALTHCHECK: exit 0 on 200 only, and no configuration needed.</summary>
[Collection(RunningMapCollection.Name)]
public sealed class HealthcheckCommandTests(RunningMap running)
{
    private static Task<ProcessResult> HealthcheckAsync(string url) =>
        ChildProcess.RunAsync(
            "dotnet",
            [MapProcess.HostDll, "healthcheck", url],
            // The container has these, but the health check must not depend on them.
            new Dictionary<string, string?> { ["DATABASE_URL"] = null, ["SECRET_KEY"] = null, ["REDIS_URL"] = null },
            timeout: TimeSpan.FromSeconds(60));

    [Fact]
    public async Task A_healthy_map_exits_0()
    {
        var result = await HealthcheckAsync($"{running.Map.BaseAddress}health");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Any_answer_but_200_exits_1_with_one_line_saying_what_it_got()
    {
        var result = await HealthcheckAsync($"{running.Map.BaseAddress}no-such-page");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("404", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_listening_exits_1()
    {
        var result = await HealthcheckAsync($"http://127.0.0.1:{Network.FreePort()}/health");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("unhealthy:", result.Error, StringComparison.Ordinal);
    }
}
