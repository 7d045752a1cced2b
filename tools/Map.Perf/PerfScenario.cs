using Npgsql;

namespace Map.Perf;

/// <summary>
/// A module's part of the benchmark: data it needs, optional bulk seeding for scaling runs, and the endpoints it
/// drives. Add one class per module under Scenarios/; every <see cref="IPerfScenario"/> is found by reflection.
/// </summary>
internal interface IPerfScenario
{
    /// <summary>Short name used by <c>--scenario</c>, e.g. <c>markers</c>.</summary>
    string Name { get; }

    /// <summary>Small fixtures the endpoints need (a dialog to read, a zone, ...). Runs once, before any load.</summary>
    Task PrepareAsync(PerfContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Grows the scenario's tables to <paramref name="totalRows"/> rows (addresses, messages, ...) with PostgreSQL
    /// COPY; called for each value of <c>--seed-scale</c>/<c>--scales</c> in increasing order, so seed only the
    /// difference. Needs <see cref="PerfContext.Database"/>.
    /// </summary>
    Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken);

    /// <summary>The endpoints to measure.</summary>
    IEnumerable<PerfEndpoint> Endpoints(PerfContext context);

    /// <summary>Optional lines after each scale's table (e.g. a ratio between two of the scenario's endpoints).</summary>
    void Summarize(TextWriter output, IReadOnlyList<EndpointResult> results)
    {
    }
}

/// <summary>
/// One measured endpoint. <see cref="Send"/> gets the clients and a request sequence number (unique per run, for
/// payloads that must differ) and returns the response; any 2xx counts as success.
/// </summary>
internal sealed record PerfEndpoint(string Name, Func<PerfClients, long, CancellationToken, Task<HttpResponseMessage>> Send)
{
    /// <summary>
    /// When set, the load is an open loop at this many requests per second instead of back-to-back workers: request k
    /// starts at k / rate seconds, and its latency counts from that moment (a server that falls behind is charged for
    /// the queue it builds). <c>--concurrency</c> bounds the requests in flight.
    /// </summary>
    public double? RatePerSecond { get; init; }

    /// <summary>At most this many requests in flight, whatever <c>--concurrency</c> says (e.g. one browser).</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Requests per worker instead of <c>--runs</c>, for endpoints that take seconds each.</summary>
    public int? Runs { get; init; }
}

/// <summary>Clients as Map's callers use it: a signed-in admin (cookie + CSRF), the bot, and anonymous.</summary>
internal sealed record PerfClients(HttpClient Admin, HttpClient Bot, HttpClient Anonymous);

/// <summary>What scenarios get: the target, its clients, and (when known) its database for seeding.</summary>
internal sealed class PerfContext
{
    public required Uri BaseUrl { get; init; }

    public required PerfClients Clients { get; init; }

    /// <summary>The target's database, when the tool knows it (always in spawn mode; <c>--database-url</c> otherwise).</summary>
    public NpgsqlDataSource? Database { get; init; }

    /// <summary>The admin session's cookies (for a browser that needs the same sign-in).</summary>
    public required System.Net.CookieContainer AdminCookies { get; init; }

    /// <summary>The local Telegram and tile stubs a spawned Map talks to (only with <c>--spawn</c>).</summary>
    public LocalStubs? Stubs { get; init; }

    /// <summary>A run-unique token for names that must not collide with earlier runs against the same database.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    public NpgsqlDataSource RequireDatabase(string why) =>
        Database ?? throw new InvalidOperationException($"{why} needs the database: use --spawn, or pass --database-url.");
}
