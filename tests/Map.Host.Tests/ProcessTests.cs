using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Host.Tests;

/// <summary>The real executable, started the way operators start it.</summary>
public sealed class ProcessTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(IDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        // Only the variables a test names: nothing inherited from the shell may decide the outcome.
        var variables = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        foreach (var key in new[] { "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BOT_API_KEY", "ADMIN_USERNAME", "ADMIN_PASSWORD", "ADMIN_PASSWORD_HASH" })
        {
            variables[key] = null;
        }

        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }

        var result = await ChildProcess.RunAsync("dotnet", [MapProcess.HostDll, .. args], variables, timeout: timeout);
        return (result.ExitCode, result.Output, result.Error);
    }

    [Theory]
    [InlineData("DATABASE_URL", "mysql://x@y/z")]
    [InlineData("REDIS_URL", "localhost:6379")]
    [InlineData("TELEGRAM_API_BASE", "ftp://telegram.example")]
    [InlineData("UPLOAD_MAX_MB", "lots")]
    [InlineData("ADMIN_PASSWORD", "short")]
    [InlineData("ADMIN_PASSWORD", "qwertyuiop")]
    public async Task A_bad_setting_of_the_platform_or_a_module_stops_start_up_with_one_line_naming_it(string name, string value)
    {
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:1/db",
            ["SECRET_KEY"] = new string('k', 40),
            [name] = value,
        };

        var (exit, _, error) = await RunAsync(environment, TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Configuration error: " + name, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_applies_everything_and_a_second_run_is_a_no_op_then_the_app_refuses_an_unmigrated_database()
    {
        var environment = await TestEnvironment.GetAsync();
        var empty = $"map_t_{environment.RunId}_empty_{Guid.NewGuid():N}"[..40];
        await environment.ExecuteAsync($"CREATE DATABASE \"{empty}\"");
        try
        {
            var unmigrated = new Dictionary<string, string>
            {
                ["DATABASE_URL"] = environment.DatabaseUrl(empty),
                ["SECRET_KEY"] = new string('k', 40),
            };
            var (refusedExit, refusedOut, _) = await RunAsync(unmigrated, TimeSpan.FromSeconds(60), "--urls", "http://127.0.0.1:0");
            Assert.NotEqual(0, refusedExit);
            Assert.Contains("not migrated", refusedOut, StringComparison.Ordinal);

            var first = await RunAsync(new Dictionary<string, string> { ["DATABASE_URL"] = environment.DatabaseUrl(empty) }, TimeSpan.FromSeconds(90), "migrate");
            var second = await RunAsync(new Dictionary<string, string> { ["DATABASE_URL"] = environment.DatabaseUrl(empty) }, TimeSpan.FromSeconds(90), "migrate");

            Assert.Equal(0, first.Exit);
            Assert.Equal(0, second.Exit);
            Assert.Contains("migration(s) applied", second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("\"Count\":1", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            await environment.ExecuteAsync($"DROP DATABASE IF EXISTS \"{empty}\" WITH (FORCE)");
        }
    }
}

public sealed class SecretLoggingTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    /// <summary>
    /// Issue 17 row 3: the Bot API puts the bot token in every request URL, and HttpClient's own logging writes request
    /// URLs at Information. No secret may reach any log line at any level, through any outbound client.
    /// </summary>
    [Theory]
    [InlineData("Information")]
    [InlineData("Debug")]
    public async Task Secrets_never_reach_the_logs_even_while_a_telegram_message_is_sent(string level)
    {
        const string BotToken = "987654321:AAtelegram-token-never-logged-Zx9"; // no "bot" inside: the stub's route is bot{token}
        var secrets = new Dictionary<string, string>
        {
            ["SECRET_KEY"] = "secret-key-" + new string('q', 40),
            ["BOT_API_KEY"] = "bot-key-never-logged-123",
            ["ADMIN_USERNAME"] = "logroot",
            ["ADMIN_PASSWORD"] = "admin-password-never-logged",
            ["METRICS_API_KEY"] = "metrics-key-never-logged",
            ["TELEGRAM_BOT_TOKEN"] = BotToken,
        };
        var telegramCalls = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var (telegram, telegramUrl) = await LocalHttpServer.StartAsync(app => app.MapPost("/bot{token}/sendMessage", (string token) =>
        {
            telegramCalls.Enqueue(token);
            return Results.Text("""{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}""", "application/json");
        }));
        await using var _ = telegram;
        var databasePassword = new Uri(map.DatabaseUrl).UserInfo.Split(':')[1];
        var settings = new Dictionary<string, string?>(secrets.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
        {
            ["REDIS_URL"] = map.Environment.RedisUrl,
            ["MAP_ROLE"] = "all",
            ["JOBS_POLL_INTERVAL_MS"] = "200",
            ["TELEGRAM_API_BASE"] = telegramUrl,
            ["Logging__LogLevel__Default"] = level,
        };

        string log;
        await using (var process = await MapProcess.StartAsync(map.DatabaseUrl, settings))
        {
            using var client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = process.BaseAddress };
            await client.GetAsync("/health");
            await client.PostAsync("/login", new StringContent("""{"username":"logroot","password":"wrong-password-xyz"}"""));
            using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            metrics.Headers.Add("X-API-KEY", secrets["METRICS_API_KEY"]);
            await client.SendAsync(metrics);

            // A Telegram user writes, an operator answers: the answer goes out through the outbox to the stub.
            var userId = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var fromBot = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/{userId}") { Content = JsonContent.Create(new { text = "hello" }) };
            fromBot.Headers.Add("X-API-KEY", secrets["BOT_API_KEY"]);
            Assert.Equal(System.Net.HttpStatusCode.Created, (await client.SendAsync(fromBot)).StatusCode);
            var login = await client.PostAsJsonAsync("/login", new { username = "logroot", password = secrets["ADMIN_PASSWORD"] });
            var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!;
            using var reply = new HttpRequestMessage(HttpMethod.Post, $"/api/chat/{userId}") { Content = JsonContent.Create(new { text = "operator reply" }) };
            reply.Headers.Add("X-CSRF-Token", csrf);
            Assert.Equal(System.Net.HttpStatusCode.Created, (await client.SendAsync(reply)).StatusCode);
            Assert.True(await Eventually.TrueAsync(() => Task.FromResult(!telegramCalls.IsEmpty), TimeSpan.FromSeconds(60)), "the reply reached the Telegram stub:\n" + process.Output);
            log = process.Output;
        }

        // The send used the real token (delivery is at least once: on a loaded machine a send that outlived the client's
        // 10 s timeout is sent again, which once gave two calls in CI; this test is about the log, not the count).
        Assert.NotEmpty(telegramCalls);
        Assert.All(telegramCalls, token => Assert.Equal(BotToken, token));
        Assert.Contains("Now listening", log, StringComparison.Ordinal);
        foreach (var secret in secrets.Values.Where(v => v != "logroot").Append(databasePassword).Append("wrong-password-xyz"))
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }

        // Not even the part after the bot id, which is what a URL-redacting logger might leave behind.
        Assert.DoesNotContain(BotToken.Split(':')[1], log, StringComparison.Ordinal);
    }
}
