using System.Text.Json;

namespace Map.Operations.Tests;

/// <summary>
/// docker-compose.prod.yml as Debian's docker-compose resolves it (validation needs no Docker engine), with a .env made
/// the way the runbook says: a copy of .env.example with the required secrets filled in.
/// </summary>
public sealed class ComposeTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("map-compose-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs <c>docker-compose config</c> on a copy of the compose file next to a .env of the given settings.</summary>
    private async Task<ProcessResult> ConfigAsync(IReadOnlyDictionary<string, string> filledIn)
    {
        File.Copy(Repository.PathOf("docker-compose.prod.yml"), Path.Combine(directory, "docker-compose.prod.yml"), overwrite: true);
        var env = Repository.Read(".env.example").Split('\n')
            .Select(line => filledIn.FirstOrDefault(f => line.StartsWith(f.Key + "=", StringComparison.Ordinal)) is { Key: not null } f ? $"{f.Key}={f.Value}" : line);
        await File.WriteAllLinesAsync(Path.Combine(directory, ".env"), env);
        // Interpolation prefers the shell's variables to .env: the run must not see a developer's settings.
        var clean = Variables.AssignedInEnvExample().Union(Variables.InterpolatedByCompose()).ToDictionary(name => name, string? (_) => null);
        return await ChildProcess.RunAsync("docker-compose", ["-f", "docker-compose.prod.yml", "config"], clean, directory, TimeSpan.FromSeconds(60));
    }

    private async Task<JsonElement> ResolvedAsync()
    {
        var result = await ConfigAsync(new Dictionary<string, string>
        {
            ["SECRET_KEY"] = new('k', 64),
            ["POSTGRES_PASSWORD"] = "db0password1",
        });
        Assert.True(result.ExitCode == 0, result.ToString());
        // docker-compose depends on PyYAML, so it is there to turn the resolved YAML into JSON.
        var yamlFile = Path.Combine(directory, "resolved.yml");
        await File.WriteAllTextAsync(yamlFile, result.Output);
        var json = await ChildProcess.RunAsync("python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)", yamlFile]);
        Assert.True(json.ExitCode == 0, json.ToString());
        return JsonDocument.Parse(json.Output).RootElement;
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.ToString())];

    [Fact]
    public async Task The_production_compose_file_is_valid_and_runs_the_runbooks_services()
    {
        var config = await ResolvedAsync();
        var services = config.GetProperty("services");
        JsonElement Service(string name) => services.GetProperty(name);
        string Env(string service, string name) => Service(service).GetProperty("environment").GetProperty(name).GetString()!;

        Assert.Equal(["db", "migrate", "nginx", "redis", "web", "worker"], services.EnumerateObject().Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["nginx"], services.EnumerateObject().Where(s => s.Value.TryGetProperty("ports", out _)).Select(s => s.Name));
        foreach (var name in new[] { "db", "redis", "web", "worker", "nginx" })
        {
            Assert.Equal("unless-stopped", Service(name).GetProperty("restart").GetString());
        }

        // One image, two roles; the one-shot migrate service runs first and is never restarted.
        Assert.Equal("web", Env("web", "MAP_ROLE"));
        Assert.Equal("worker", Env("worker", "MAP_ROLE"));
        Assert.All(new[] { "migrate", "web", "worker" }, name => Assert.Equal("map:latest", Service(name).GetProperty("image").GetString()));
        Assert.Equal(["migrate"], Strings(Service("migrate").GetProperty("command")));
        Assert.Equal("no", Service("migrate").GetProperty("restart").GetString());
        foreach (var name in new[] { "web", "worker" })
        {
            var dependsOn = Service(name).GetProperty("depends_on");
            Assert.Equal("service_completed_successfully", dependsOn.GetProperty("migrate").GetProperty("condition").GetString());
            Assert.Equal("service_healthy", dependsOn.GetProperty("db").GetProperty("condition").GetString());
            Assert.Equal("service_healthy", dependsOn.GetProperty("redis").GetProperty("condition").GetString());
            Assert.Equal("postgresql://map:db0password1@db:5432/map", Env(name, "DATABASE_URL"));
            Assert.Equal("redis://redis:6379/0", Env(name, "REDIS_URL"));
            Assert.Equal("/app/uploads", Env(name, "UPLOAD_DIR"));
            Assert.Contains("uploads:/app/uploads:rw", Strings(Service(name).GetProperty("volumes")));
            Assert.Contains("appdata:/app/data:rw", Strings(Service(name).GetProperty("volumes")));
            Assert.StartsWith("/app/data/", Env(name, "OFFLINE_GEOCODE_FILE"), StringComparison.Ordinal);
            // Only nginx's fixed address is trusted as a proxy, not the whole network (another container could spoof).
            var subnet = config.GetProperty("networks").GetProperty("default").GetProperty("ipam").GetProperty("config")[0].GetProperty("subnet").GetString()!;
            var nginxIp = Service("nginx").GetProperty("networks").GetProperty("default").GetProperty("ipv4_address").GetString()!;
            Assert.Equal(nginxIp, Env(name, "TRUSTED_PROXIES"));
            Assert.True(System.Net.IPNetwork.Parse(subnet).Contains(System.Net.IPAddress.Parse(nginxIp)), "nginx's address lies in the compose subnet");
        }

        Assert.Equal("service_healthy", Service("migrate").GetProperty("depends_on").GetProperty("db").GetProperty("condition").GetString());
        Assert.Equal("service_healthy", Service("nginx").GetProperty("depends_on").GetProperty("web").GetProperty("condition").GetString());

        var db = Service("db");
        Assert.StartsWith("postgres:16", db.GetProperty("image").GetString(), StringComparison.Ordinal);
        var maxConnections = int.Parse(Strings(db.GetProperty("command")).Single(a => a.StartsWith("max_connections=", StringComparison.Ordinal))["max_connections=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(maxConnections > 2 * int.Parse(Env("web", "DB_POOL_SIZE"), System.Globalization.CultureInfo.InvariantCulture), "web and worker pools must fit");
        Assert.Contains("pg_isready", string.Join(' ', Strings(db.GetProperty("healthcheck").GetProperty("test"))), StringComparison.Ordinal);
        var dbVolumes = Strings(db.GetProperty("volumes"));
        Assert.Contains($"{directory}/deploy:/scripts:ro", dbVolumes);
        Assert.Contains($"{directory}/backups:/backups:rw", dbVolumes);
        Assert.Contains("pgdata:/var/lib/postgresql/data:rw", dbVolumes);

        var redis = Service("redis");
        Assert.Equal(["redis-server", "--appendonly", "yes"], Strings(redis.GetProperty("command")));
        Assert.Equal(["CMD", "redis-cli", "ping"], Strings(redis.GetProperty("healthcheck").GetProperty("test")));
        Assert.Contains("redisdata:/data:rw", Strings(redis.GetProperty("volumes")));

        var nginx = Service("nginx");
        Assert.Equal(80, nginx.GetProperty("ports")[0].GetProperty("target").GetInt32());
        Assert.Contains($"{directory}/deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro", Strings(nginx.GetProperty("volumes")));
    }

    [Fact]
    public async Task Every_variable_the_services_read_is_documented_in_env_example()
    {
        var config = await ResolvedAsync();
        var assigned = Variables.AssignedInEnvExample();
        var passedToContainers = config.GetProperty("services").EnumerateObject()
            .Where(s => s.Value.TryGetProperty("environment", out _))
            .SelectMany(s => s.Value.GetProperty("environment").EnumerateObject().Select(e => e.Name))
            .ToHashSet();

        Assert.Empty(Variables.InterpolatedByCompose().Except(assigned).Order(StringComparer.Ordinal));
        Assert.Empty(passedToContainers.Except(assigned).Order(StringComparer.Ordinal));
        Assert.Superset(new HashSet<string> { "POSTGRES_PASSWORD", "SECRET_KEY", "MAP_NETWORK_SUBNET", "NGINX_PORT" }, Variables.InterpolatedByCompose());
    }

    [Theory]
    [InlineData("POSTGRES_PASSWORD", "SECRET_KEY")]
    [InlineData("SECRET_KEY", "POSTGRES_PASSWORD")]
    public async Task A_required_secret_left_empty_stops_compose_with_its_name(string missing, string filled)
    {
        var result = await ConfigAsync(new Dictionary<string, string> { [filled] = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"set {missing} in .env", result.Error, StringComparison.Ordinal);
    }
}
