using Microsoft.Extensions.Configuration;

namespace Map.Operations.Tests;

/// <summary>.env.example is the list of every setting: whatever the app or the compose file reads is in it.</summary>
public sealed class ConfigurationDocsTests
{
    [Fact]
    public void The_scan_finds_the_variables_the_app_is_known_to_read()
    {
        var read = Variables.ReadByApp();

        Assert.Superset(
            new HashSet<string> { "DATABASE_URL", "MAP_ROLE", "ADMIN_USERNAME", "ADMIN_PASSWORD_HASH", "BOT_TOKEN", "JOBS_WORKER_COUNT", "RATE_LIMIT_LOGIN_PER_MINUTE" },
            read);
    }

    [Fact]
    public void Every_variable_the_app_reads_is_documented_in_env_example()
    {
        // Read by the dotnet-ef design-time factories only, never by the running app.
        string[] designTime = ["MAP_DESIGN_TIME_CONNECTION"];

        var undocumented = Variables.ReadByApp().Except(designTime).Except(Variables.MentionedInEnvExample()).Order(StringComparer.Ordinal);

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Every_rate_limit_bucket_has_its_variable_and_default_in_env_example()
    {
        var lines = Repository.Read(".env.example").Split('\n');

        Assert.All(Host.Platform.RateLimiting.RateLimitBucketCatalog.All, bucket =>
            Assert.Contains($"{bucket.EnvironmentVariable}={bucket.DefaultLimit}", lines));
    }

    [Fact]
    public void Nginx_refuses_bodies_at_the_same_size_as_the_app()
    {
        var settings = Host.Platform.Config.MapSettingsLoader.Load(
            new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["DATABASE_URL"] = "postgresql://u@h/d" })
                .Build(),
            requireSecrets: false);
        var megabytes = settings.MaxRequestBodyBytes / (1024 * 1024);

        Assert.Contains($"MAX_REQUEST_BODY_MB={megabytes}", Repository.Read(".env.example").Split('\n'));
        Assert.Contains($"client_max_body_size {megabytes}m;", Repository.Read("deploy/nginx.conf"), StringComparison.Ordinal);
    }
}
