using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit;

namespace Map.Testing;

/// <summary>Per-factory overrides of the configuration a test host starts with.</summary>
public sealed record MapHostOptions
{
    /// <summary><c>web</c> (default: no job server), <c>worker</c> or <c>all</c>.</summary>
    public string Role { get; init; } = "web";

    /// <summary>Use Redis (default) or run without <c>REDIS_URL</c>.</summary>
    public bool UseRedis { get; init; } = true;

    /// <summary>A <c>redis://</c> URL replacing the shared test Redis (e.g. a <see cref="RedisProcess"/> a test stops).</summary>
    public string? RedisUrl { get; init; }

    /// <summary>A <c>postgresql://</c> URL replacing the class database (e.g. one that is unreachable).</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Extra environment-style settings, e.g. <c>RATE_LIMIT_LOGIN_PER_MINUTE</c>.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>When set, the host's clock; tests move it instead of sleeping.</summary>
    public FakeTimeProvider? Clock { get; init; }

    /// <summary>Extra service registrations (e.g. a probe endpoint module) applied after the host's own.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Serve on a real loopback port (Kestrel) as well, for a browser; see <see cref="MapInstance.BrowserAddress"/>.</summary>
    public bool UseKestrel { get; init; }
}

/// <summary>
/// One Map instance in-process (TestServer) on the class's own database and Redis prefix. Several instances of
/// one <see cref="MapTestContext"/> share the database, Redis and realtime channel, like replicas in production.
/// </summary>
public sealed class MapInstance : WebApplicationFactory<Program>
{
    public const string PeerHeader = "X-Test-Peer";

    private readonly MapTestContext context;
    private readonly MapHostOptions options;

    internal MapInstance(MapTestContext context, MapHostOptions options)
    {
        this.context = context;
        this.options = options;
    }

    public MapHostOptions Options => options;

    /// <summary>The real address a browser opens (only with <see cref="MapHostOptions.UseKestrel"/>).</summary>
    public Uri? BrowserAddress { get; private set; }

    internal void Start()
    {
        if (!options.UseKestrel)
        {
            _ = Server; // start now, so start-up failures surface here
            return;
        }

        var port = Network.FreePort();
        UseKestrel(port);
        StartServer();
        BrowserAddress = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Ends every open realtime socket from the server side, as a restart or a network cut would.</summary>
    public int DropRealtimeConnections()
    {
        var hub = Services.GetRequiredService<Map.Host.Platform.Realtime.RealtimeHub>();
        var connections = hub.Connections;
        foreach (var connection in connections)
        {
            connection.RequestClose(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "going away");
        }

        return connections.Count;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = options.DatabaseUrl ?? context.DatabaseUrl,
            ["REDIS_URL"] = options.UseRedis ? options.RedisUrl ?? context.Environment.RedisUrl : "",
            ["REDIS_KEY_PREFIX"] = context.RedisPrefix,
            ["REALTIME_REDIS_CHANNEL"] = context.RedisPrefix + "map_updates",
            ["SECRET_KEY"] = context.SecretKey,
            ["BOT_API_KEY"] = MapTestContext.BotKey,
            ["MAP_DATA_DIR"] = context.DataDirectory,
            ["MAP_ROLE"] = options.Role,
            ["ADMIN_USERNAME"] = MapTestContext.RootUsername,
            ["ADMIN_PASSWORD"] = MapTestContext.RootPassword,
            ["JOBS_POLL_INTERVAL_MS"] = "200",
            ["JOBS_WORKER_COUNT"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
        };
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestPeerStartupFilter>();
            if (options.Clock is not null)
            {
                services.AddSingleton<TimeProvider>(options.Clock);
            }

            options.ConfigureServices?.Invoke(services);
        });
    }

    /// <summary>A client that keeps cookies, like a browser.</summary>
    public HttpClient CreateBrowser(string peer = "127.0.0.1")
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        return client;
    }

    /// <summary>A client that sends the bot key in <c>X-API-KEY</c>, like the Telegram bot.</summary>
    public HttpClient CreateBot(string peer = "127.0.0.1")
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        return client;
    }

    /// <summary>Signs in through <c>POST /login</c>; the session's CSRF token is added to every request.</summary>
    public async Task<AdminClient> LoginAsync(string username = MapTestContext.RootUsername, string password = MapTestContext.RootPassword, bool sendCsrf = true)
    {
        var client = CreateBrowser();
        var response = await client.PostAsJsonAsync("/login", new { username, password });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"login as {username} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var body = await response.Content.ReadFromJsonAsync<LoginBody>();
        if (sendCsrf)
        {
            client.DefaultRequestHeaders.Add("X-CSRF-Token", body!.CsrfToken);
        }

        return new AdminClient(client, username, body!.CsrfToken, body.Role);
    }

    /// <summary>Connects a WebSocket the way the browser does: token from <c>/api/realtime/token</c>, then <c>/ws</c>.</summary>
    public async Task<RealtimeClient> ConnectRealtimeAsync(AdminClient admin)
    {
        var token = await admin.Http.GetFromJsonAsync<TokenBody>("/api/realtime/token");
        return await ConnectRealtimeAsync(token!.Token);
    }

    public async Task<RealtimeClient> ConnectRealtimeAsync(string token)
    {
        var socketClient = Server.CreateWebSocketClient();
        var socket = await socketClient.ConnectAsync(new Uri(Server.BaseAddress, $"ws?token={Uri.EscapeDataString(token)}"), CancellationToken.None);
        var client = new RealtimeClient(socket);
        // The server greets a registered connection; a refused one is closed instead.
        await client.WaitForEventAsync("hello", timeout: TimeSpan.FromSeconds(5));
        return client;
    }

    private sealed record LoginBody(string Status, string Role, [property: System.Text.Json.Serialization.JsonPropertyName("csrf_token")] string CsrfToken);

    private sealed record TokenBody(string Token);
}

/// <summary>A signed-in admin: the HTTP client (cookies + CSRF header) and who it is.</summary>
public sealed record AdminClient(HttpClient Http, string Username, string CsrfToken, string Role);

/// <summary>
/// The test server has no real peer address; this sets it (default loopback) from <see cref="MapInstance.PeerHeader"/>
/// before anything else runs, so forwarded-header and loopback rules are exercised as in production.
/// </summary>
internal sealed class TestPeerStartupFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(nextMiddleware => context =>
        {
            string? peer = context.Request.Headers[MapInstance.PeerHeader];
            context.Connection.RemoteIpAddress = IPAddress.TryParse(peer, out var address) ? address : IPAddress.Loopback;
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>
/// A test class's world: its own database (cloned from the migrated template), its own Redis prefix and realtime
/// channel, and the Map instances started on them. Use as an xUnit class fixture, or create one inside a test.
/// </summary>
public class MapTestContext : IAsyncLifetime
{
    public const string BotKey = "test-bot-key-0123456789";
    public const string RootUsername = "root";
    public const string RootPassword = "root-password-123";

    private readonly List<MapInstance> instances = [];
    private NpgsqlDataSource? dataSource;
    private MapInstance? defaultInstance;

    public TestEnvironment Environment { get; private set; } = null!;

    public string DatabaseName { get; private set; } = "";

    public string DatabaseUrl => Environment.DatabaseUrl(DatabaseName);

    public string RedisPrefix { get; private set; } = "";

    /// <summary>The class's own data directory (uploads, snapshots, offline files), so no two classes share files.</summary>
    public string DataDirectory => Path.Combine(Path.GetTempPath(), "map-tests-data", DatabaseName);

    public string SecretKey { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Direct access to the class database, for arranging data and asserting what was stored.</summary>
    public NpgsqlDataSource Db => dataSource ?? throw new InvalidOperationException("Call InitializeAsync first.");

    /// <summary>The default instance (role web, shared Redis), started on first use.</summary>
    public MapInstance App => defaultInstance ??= StartInstance();

    public virtual async Task InitializeAsync()
    {
        Environment = await TestEnvironment.GetAsync();
        DatabaseName = await Environment.CreateDatabaseAsync();
        RedisPrefix = $"t:{Environment.RunId}:{DatabaseName}:";
        dataSource = NpgsqlDataSource.Create(Environment.ConnectionString(DatabaseName));
    }

    /// <summary>Starts another instance on the same database and Redis (a replica, a worker, ...).</summary>
    public MapInstance StartInstance(MapHostOptions? options = null)
    {
        var instance = new MapInstance(this, options ?? new MapHostOptions());
        instance.Start();
        instances.Add(instance);
        return instance;
    }

    /// <summary>Creates an admin account directly in the database (the admin API has its own tests).</summary>
    public async Task<int> CreateAdminAsync(string username, AdminRole role, string password = "password-1234", bool active = true, params int[] zones)
    {
        var hash = new Microsoft.AspNetCore.Identity.PasswordHasher<object>().HashPassword(new object(), password);
        await using var command = Db.CreateCommand(
            "INSERT INTO admin.admin_users (username, password_hash, role, is_active, created_at) VALUES ($1, $2, $3, $4, now()) RETURNING id");
        command.Parameters.AddWithValue(username);
        command.Parameters.AddWithValue(hash);
        command.Parameters.AddWithValue(role.ToWire());
        command.Parameters.AddWithValue(active);
        var id = (int)(await command.ExecuteScalarAsync())!;
        foreach (var zone in zones)
        {
            await using var link = Db.CreateCommand("INSERT INTO admin.admin_zones (admin_id, zone_id) VALUES ($1, $2)");
            link.Parameters.AddWithValue(id);
            link.Parameters.AddWithValue(zone);
            await link.ExecuteNonQueryAsync();
        }

        return id;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }

        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
        }

        await Environment.ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
