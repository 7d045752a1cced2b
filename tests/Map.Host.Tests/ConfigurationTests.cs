using Map.Host.Platform.Config;
using Map.SharedKernel;
using Microsoft.Extensions.Configuration;

namespace Map.Host.Tests;

public sealed class ConfigurationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["DATABASE_URL"] = "postgresql://map:p%40ss@db.local:6543/mapdb?sslmode=require",
        ["SECRET_KEY"] = new string('s', 40),
    };

    private static MapSettings Load(Dictionary<string, string?> overrides)
    {
        var values = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in overrides)
        {
            values[key] = value;
        }

        return MapSettingsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    [Fact]
    public void Database_url_becomes_a_connection_string()
    {
        var settings = Load([]);
        var connection = settings.DatabaseConnection;

        Assert.Equal("db.local", connection.Host);
        Assert.Equal(6543, connection.Port);
        Assert.Equal("mapdb", connection.Database);
        Assert.Equal("map", connection.Username);
        Assert.Equal("p@ss", connection.Password);
        Assert.Equal(Npgsql.SslMode.Require, connection.SslMode);
    }

    [Fact]
    public void Defaults_match_the_runbook()
    {
        var settings = Load([]);

        Assert.Equal(MapRole.All, settings.Role);
        Assert.Null(settings.Redis);
        Assert.True(settings.MetricsEnabled);
        Assert.Equal("/metrics", settings.MetricsPath);
        Assert.Equal("map_updates", settings.RealtimeChannel);
        Assert.Equal(10, settings.RateLimits["login"]);
        Assert.Equal(120, settings.RateLimits["chat"]);
        Assert.Equal(60, settings.RateLimits["bot_markers"]);
        Assert.Equal(TimeSpan.FromHours(12), settings.SessionLifetime);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.RateLimitWindows["chat2_send"]);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.RateLimitWindows["tracker_sos"]);
    }

    [Fact]
    public void A_bucket_with_a_window_variable_takes_its_window_in_seconds_from_it()
    {
        var settings = Load(new() { ["CHAT2_SEND_RATE_WINDOW_SEC"] = "10", ["CHAT2_UPLOAD_RATE_WINDOW_SEC"] = "3600" });

        Assert.Equal(TimeSpan.FromSeconds(10), settings.RateLimitWindows["chat2_send"]);
        Assert.Equal(TimeSpan.FromHours(1), settings.RateLimitWindows["chat2_upload"]);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.RateLimitWindows["chat"]);
    }

    [Fact]
    public void Redis_url_with_password_and_database()
    {
        var settings = Load(new() { ["REDIS_URL"] = "redis://:s3cret@cache:6380/2" });

        Assert.Equal("s3cret", settings.Redis!.Password);
        Assert.Equal(2, settings.Redis.DefaultDatabase);
        Assert.Equal("cache:6380", settings.Redis.EndPoints.Single().ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DATABASE_URL", null, "DATABASE_URL is required")]
    [InlineData("DATABASE_URL", "mysql://u:p@h/db", "DATABASE_URL must be a URL")]
    [InlineData("DATABASE_URL", "postgresql://u:p@h", "DATABASE_URL must name a host and a database")]
    [InlineData("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL")]
    [InlineData("SECRET_KEY", null, "SECRET_KEY is required")]
    [InlineData("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters")]
    [InlineData("MAP_ROLE", "api", "MAP_ROLE must be one of")]
    [InlineData("ENABLE_METRICS", "maybe", "ENABLE_METRICS must be 0 or 1")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.0/8,nonsense", "TRUSTED_PROXIES must be")]
    [InlineData("BOT_TRUSTED_NETWORKS", "10.20.0.0/33", "BOT_TRUSTED_NETWORKS must be")]
    [InlineData("BOT_TRUSTED_NETWORKS", "10.20.0.0/16,not-a-network", "BOT_TRUSTED_NETWORKS must be")]
    [InlineData("BOT_TRUSTED_NETWORKS", "10.20.0.300", "BOT_TRUSTED_NETWORKS must be")]
    [InlineData("RATE_LIMIT_LOGIN_PER_MINUTE", "ten", "RATE_LIMIT_LOGIN_PER_MINUTE must be an integer")]
    [InlineData("CHAT2_SEND_RATE_WINDOW_SEC", "0", "CHAT2_SEND_RATE_WINDOW_SEC must be an integer between 1 and 86400")]
    [InlineData("METRICS_PATH", "metrics", "METRICS_PATH must start with")]
    public void Bad_values_stop_start_up_naming_the_variable(string name, string? value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(new() { [name] = value }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
