using System.Net;
using Npgsql;
using StackExchange.Redis;

namespace Map.Host.Platform.Config;

/// <summary>What this process runs: <c>web</c> (HTTP + WebSocket), <c>worker</c> (jobs), or <c>all</c>.</summary>
/// <summary>Who may read the API description and reference (<c>API_DOCS_ACCESS</c>).</summary>
internal enum ApiDocsAccess
{
    /// <summary>Signed-in admins of any role (the default).</summary>
    Admins,

    /// <summary>Anyone who reaches Map.</summary>
    Public,

    /// <summary>Not served at all (404).</summary>
    Off,
}

internal enum MapRole
{
    All,
    Web,
    Worker,
}

/// <summary>
/// Platform configuration, read once from environment variables named as in the runbook and specs.
/// Bad values stop start-up with a <see cref="Map.SharedKernel.ConfigurationException"/> that names the variable.
/// </summary>
internal sealed class MapSettings
{
    public required MapRole Role { get; init; }

    public required string InstanceId { get; init; }

    public required string DatabaseConnectionString { get; init; }

    /// <summary>Null when <c>REDIS_URL</c> is unset: everything runs in one process without Redis.</summary>
    public ConfigurationOptions? Redis { get; init; }

    /// <summary>Prefix of every Redis key and channel this instance uses (tests isolate runs with it).</summary>
    public required string RedisKeyPrefix { get; init; }

    public required string SecretKey { get; init; }

    public string BotApiKey { get; init; } = "";

    /// <summary>
    /// <c>BOT_TRUSTED_NETWORKS</c> (empty by default): client networks whose requests without a bot key count as the bot on
    /// the routes marked <see cref="Map.SharedKernel.AllowTrustedBotNetworkAttribute"/>. Inert while <c>BOT_API_KEY</c> is empty.
    /// </summary>
    public IReadOnlyList<IPNetwork> BotTrustedNetworks { get; init; } = [];

    public required string SessionCookieName { get; init; }

    public bool SessionCookieSecure { get; init; }

    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    public bool MetricsEnabled { get; init; } = true;

    public bool MetricsAllowPublic { get; init; }

    public string MetricsApiKey { get; init; } = "";

    public string MetricsPath { get; init; } = "/metrics";

    /// <summary><c>API_DOCS_ACCESS</c>: who may read <c>/openapi/v1.json</c> and <c>/docs</c> (decision 0090).</summary>
    public ApiDocsAccess ApiDocsAccess { get; init; } = ApiDocsAccess.Admins;

    /// <summary>
    /// Peers whose <c>X-Forwarded-For</c> / <c>-Proto</c> are believed (<c>TRUSTED_PROXIES</c>). Empty by default: not even
    /// loopback, or any local process could choose its client address (docs/decisions/0037-proxy-trust-and-account-lockout.md).
    /// </summary>
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }

    public required IReadOnlyDictionary<string, int> RateLimits { get; init; }

    /// <summary>Each bucket's window: its <see cref="RateLimitBucket.WindowEnvironmentVariable"/>, else its default.</summary>
    public IReadOnlyDictionary<string, TimeSpan> RateLimitWindows { get; init; } = new Dictionary<string, TimeSpan>();

    public required string RealtimeChannel { get; init; }

    public TimeSpan RealtimeTokenTtl { get; init; } = TimeSpan.FromMinutes(10);

    public IReadOnlyList<string> RealtimeAllowedOrigins { get; init; } = [];

    public string TelegramBotToken { get; init; } = "";

    public TimeSpan TelegramInitDataMaxAge { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan JobsPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public int JobsWorkerCount { get; init; } = 8;

    public long MaxRequestBodyBytes { get; init; } = 20 * 1024 * 1024;

    public bool RunsWeb => Role is MapRole.All or MapRole.Web;

    public bool RunsWorker => Role is MapRole.All or MapRole.Worker;

    public NpgsqlConnectionStringBuilder DatabaseConnection => new(DatabaseConnectionString);
}
