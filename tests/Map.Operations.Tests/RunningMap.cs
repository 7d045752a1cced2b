
namespace Map.Operations.Tests;

/// <summary>
/// One real Map process (web role, its own database and Redis prefix) with Debian's nginx in front of it, running
/// deploy/nginx.conf. The trusted proxies are nginx (127.0.0.1) and <see cref="TlsProxy"/>, which plays a TLS
/// terminator in front of nginx; test clients that connect from other loopback addresses (127.0.0.5, …) are
/// "the internet".
/// </summary>
public sealed class RunningMap : IAsyncLifetime
{
    public const int LoginLimit = 3;
    public const string TlsProxy = "127.0.0.3";

    private readonly MapTestContext context = new();

    internal MapProcess Map { get; private set; } = null!;

    internal NginxProcess Nginx { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await context.InitializeAsync();
        Map = await MapProcess.StartAsync(context.DatabaseUrl, new Dictionary<string, string?>
        {
            ["REDIS_URL"] = context.Environment.RedisUrl,
            ["REDIS_KEY_PREFIX"] = context.RedisPrefix,
            ["REALTIME_REDIS_CHANNEL"] = context.RedisPrefix + "map_updates",
            ["TRUSTED_PROXIES"] = $"127.0.0.1/32,{TlsProxy}/32",
            ["RATE_LIMIT_LOGIN_PER_MINUTE"] = LoginLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Nginx = await NginxProcess.StartAsync($"127.0.0.1:{Map.Port}");
    }

    /// <summary>A browser-like client reaching nginx from <paramref name="source"/>.</summary>
    internal HttpClient ClientFrom(string source, bool useCookies = true) => Network.ClientFrom(source, Nginx.BaseAddress, useCookies);

    public async Task DisposeAsync()
    {
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        if (Map is not null)
        {
            await Map.DisposeAsync();
        }

        await context.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RunningMapCollection : ICollectionFixture<RunningMap>
{
    public const string Name = "map behind nginx";
}
