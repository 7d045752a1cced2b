using System.Globalization;
using System.Net;
using Map.Host.Platform.RateLimiting;
using Npgsql;
using StackExchange.Redis;

namespace Map.Host.Platform.Config;

/// <summary>Reads and validates <see cref="MapSettings"/> from configuration (environment variables).</summary>
internal static class MapSettingsLoader
{
    public static MapSettings Load(IConfiguration config, bool requireSecrets = true)
    {
        var role = ParseRole(config["MAP_ROLE"]);
        var redisPrefix = Optional(config, "REDIS_KEY_PREFIX") ?? "map:";
        return new MapSettings
        {
            Role = role,
            InstanceId = Optional(config, "MAP_INSTANCE_ID") ?? $"{Environment.MachineName}:{Guid.NewGuid():N}",
            DatabaseConnectionString = ParseDatabaseUrl(Required(config, "DATABASE_URL"), config),
            Redis = Optional(config, "REDIS_URL") is { } redisUrl ? ParseRedisUrl(redisUrl) : null,
            RedisKeyPrefix = redisPrefix,
            SecretKey = requireSecrets ? ParseSecretKey(Required(config, "SECRET_KEY")) : Optional(config, "SECRET_KEY") ?? "",
            BotApiKey = Optional(config, "BOT_API_KEY") ?? "",
            BotTrustedNetworks = ParseNetworks(config, "BOT_TRUSTED_NETWORKS", ""),
            SessionCookieName = Optional(config, "SESSION_COOKIE_NAME") ?? "map_session",
            SessionCookieSecure = Bool(config, "SESSION_COOKIE_SECURE", false),
            SessionLifetime = TimeSpan.FromHours(Int(config, "SESSION_LIFETIME_HOURS", 12, 1, 24 * 30)),
            MetricsEnabled = Bool(config, "ENABLE_METRICS", true),
            MetricsAllowPublic = Bool(config, "METRICS_ALLOW_PUBLIC", false),
            MetricsApiKey = Optional(config, "METRICS_API_KEY") ?? "",
            MetricsPath = ParsePath(config, "METRICS_PATH", "/metrics"),
            ApiDocsAccess = ParseApiDocsAccess(Optional(config, "API_DOCS_ACCESS")),
            TrustedProxies = ParseNetworks(config, "TRUSTED_PROXIES", ""),
            RateLimits = RateLimitBucketCatalog.All.ToDictionary(
                b => b.Name,
                b => Int(config, b.EnvironmentVariable, b.FallbackEnvironmentVariable is { } fallback ? Int(config, fallback, b.DefaultLimit, 1, 1_000_000) : b.DefaultLimit, 1, 1_000_000)),
            RateLimitWindows = RateLimitBucketCatalog.All.ToDictionary(
                b => b.Name,
                b => b.WindowEnvironmentVariable is { } variable
                    ? TimeSpan.FromSeconds(Int(config, variable, (int)b.Window.TotalSeconds, 1, 86_400))
                    : b.Window),
            RealtimeChannel = Optional(config, "REALTIME_REDIS_CHANNEL") ?? "map_updates",
            RealtimeTokenTtl = TimeSpan.FromSeconds(Int(config, "REALTIME_TOKEN_TTL_SEC", 600, 10, 86_400)),
            RealtimeAllowedOrigins = Csv(config["REALTIME_ALLOWED_ORIGINS"]),
            TelegramBotToken = Optional(config, "TELEGRAM_BOT_TOKEN") ?? Optional(config, "MAP_BOT_TOKEN") ?? Optional(config, "BOT_TOKEN") ?? "",
            TelegramInitDataMaxAge = TimeSpan.FromSeconds(Int(config, "TELEGRAM_INITDATA_MAX_AGE_SEC", 86_400, 1, int.MaxValue)),
            JobsPollInterval = TimeSpan.FromMilliseconds(Int(config, "JOBS_POLL_INTERVAL_MS", 5000, 100, 600_000)),
            JobsWorkerCount = Int(config, "JOBS_WORKER_COUNT", Math.Clamp(Environment.ProcessorCount * 4, 4, 20), 1, 100),
            MaxRequestBodyBytes = Int(config, "MAX_REQUEST_BODY_MB", 20, 1, 1024) * 1024L * 1024L,
        };
    }

    private static MapRole ParseRole(string? raw) => (raw?.Trim().ToLowerInvariant() ?? "") switch
    {
        "" or "all" => MapRole.All,
        "web" => MapRole.Web,
        "worker" => MapRole.Worker,
        _ => throw new ConfigurationException($"MAP_ROLE must be one of web, worker, all (got '{raw}')."),
    };

    private static ApiDocsAccess ParseApiDocsAccess(string? raw) => (raw?.Trim().ToLowerInvariant() ?? "") switch
    {
        "" or "admins" => ApiDocsAccess.Admins,
        "public" => ApiDocsAccess.Public,
        "off" => ApiDocsAccess.Off,
        _ => throw new ConfigurationException($"API_DOCS_ACCESS must be one of admins, public, off (got '{raw}')."),
    };

    private static string Required(IConfiguration config, string name) => EnvironmentSettings.Required(config, name);

    private static string? Optional(IConfiguration config, string name) => EnvironmentSettings.Optional(config, name);

    private static bool Bool(IConfiguration config, string name, bool fallback) => EnvironmentSettings.Bool(config, name, fallback);

    private static int Int(IConfiguration config, string name, int fallback, int min, int max) =>
        EnvironmentSettings.Int(config, name, fallback, min, max);

    private static string ParsePath(IConfiguration config, string name, string fallback)
    {
        var raw = Optional(config, name) ?? fallback;
        return raw.StartsWith('/') ? raw.TrimEnd('/') : throw new ConfigurationException($"{name} must start with '/' (got '{raw}').");
    }

    private static string ParseSecretKey(string raw) => raw.Length >= 32
        ? raw
        : throw new ConfigurationException("SECRET_KEY must be at least 32 characters (generate one with: openssl rand -hex 32).");

    private static List<string> Csv(string? raw) =>
        [.. (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static List<IPNetwork> ParseNetworks(IConfiguration config, string name, string fallback)
    {
        var result = new List<IPNetwork>();
        foreach (var item in Csv(Optional(config, name) ?? fallback))
        {
            if (IPNetwork.TryParse(item, out var network))
            {
                result.Add(network);
            }
            else if (IPAddress.TryParse(item, out var address))
            {
                result.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new ConfigurationException($"{name} must be a comma-separated list of IP addresses or CIDR networks (bad entry '{item}').");
            }
        }

        return result;
    }

    /// <summary>Turns <c>postgresql://user:pass@host:port/db?sslmode=require</c> into an Npgsql connection string.</summary>
    public static string ParseDatabaseUrl(string raw, IConfiguration? config = null)
    {
        const string Name = "DATABASE_URL";
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres"))
        {
            throw new ConfigurationException($"{Name} must be a URL like postgresql://user:password@host:5432/database.");
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (string.IsNullOrEmpty(uri.Host) || string.IsNullOrEmpty(database))
        {
            throw new ConfigurationException($"{Name} must name a host and a database (postgresql://user:password@host:5432/database).");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
            Username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null,
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
            ApplicationName = "map",
            MaxPoolSize = config is null ? 100 : Int(config, "DB_POOL_SIZE", 100, 1, 1000),
            // Npgsql's default: a busy host or a PostgreSQL that is restarting gets 15 s to hand out a connection
            // before a request fails (5 s turned a loaded 2-core machine's slow backend forks into 500s).
            Timeout = 15,
            // No auto-prepare: a statement that fails while Npgsql prepares it inside a transaction leaves the pooled
            // connection's prepared-statement bookkeeping wrong after the rollback (npgsql#6391), and a later, innocent
            // request on that connection fails with "unexpected backend message". See docs/decisions/0031-no-auto-prepare.md
            // (and 0039 for why Map's own pool does not reset returned connections).
            MaxAutoPrepare = 0,
        };
        foreach (var (key, value) in ParseQuery(uri.Query))
        {
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = Enum.TryParse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), true, out var mode)
                        ? mode
                        : throw new ConfigurationException($"{Name} has an unknown sslmode '{value}'.");
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                default:
                    throw new ConfigurationException($"{Name} has an unsupported query parameter '{key}' (supported: sslmode, application_name).");
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>Turns <c>redis://[:password@]host:port/db</c> (or <c>rediss://</c> for TLS) into client options.</summary>
    public static ConfigurationOptions ParseRedisUrl(string raw)
    {
        const string Name = "REDIS_URL";
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ConfigurationException($"{Name} must be a URL like redis://host:6379/0.");
        }

        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 1,
            KeepAlive = 10,
            Ssl = uri.Scheme == "rediss",
            ClientName = "map",
            // Fail fast while disconnected instead of queueing: callers fall back (memory limiter, local fan-out).
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(500, 5000),
        };
        options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                options.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                options.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                options.Password = Uri.UnescapeDataString(parts[0]);
            }
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(path, NumberStyles.Integer, CultureInfo.InvariantCulture, out var db) && db >= 0
                ? db
                : throw new ConfigurationException($"{Name} database must be a number (got '{path}').");
        }

        return options;
    }

    private static IEnumerable<(string Key, string Value)> ParseQuery(string query)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            yield return (Uri.UnescapeDataString(kv[0]), kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "");
        }
    }
}
