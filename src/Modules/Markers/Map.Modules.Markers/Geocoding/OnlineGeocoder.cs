using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Markers.Geocoding;

/// <summary>
/// A Nominatim-compatible search provider (<c>GEOCODE_URL</c>; off when empty). Answers are cached in PostgreSQL
/// (<c>GEOCODE_CACHE_SECONDS</c>) and calls are spaced by <c>GEOCODE_MIN_INTERVAL_MS</c> (Nominatim's policy: 1/s) through
/// one row every instance reserves its call slot in, so the limit holds across web replicas and the worker. A caller
/// whose slot would be more than <see cref="MaxWait"/> away gets no answer rather than a slow one. Provider errors
/// and non-2xx answers count as "no hits" and are not cached.
/// </summary>
internal sealed partial class OnlineGeocoder(
    IHttpClientFactory httpClients, NpgsqlDataSource dataSource, MarkersSettings settings, TimeProvider clock, ILogger<OnlineGeocoder> logger)
{
    public const string HttpClientName = "markers.geocoder";
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public bool Enabled => settings.GeocodeUrl is not null;

    public async Task<IReadOnlyList<GeocodeHit>> SearchAsync(string q, int limit, string? language, CancellationToken cancellationToken)
    {
        if (settings.GeocodeUrl is not { } url || q.Length == 0)
        {
            return [];
        }

        var key = $"{language}|{limit}|{q.ToLowerInvariant()}";
        if (key.Length > 600)
        {
            return [];
        }

        if (await ReadCacheAsync(key, cancellationToken) is { } cached)
        {
            return cached;
        }

        if (!await WaitForSlotAsync(cancellationToken))
        {
            LogThrottled(logger, q);
            return [];
        }

        var hits = await CallAsync(url, q, limit, language, cancellationToken);
        if (hits is null)
        {
            return [];
        }

        await WriteCacheAsync(key, hits, cancellationToken);
        return hits;
    }

    private async Task<IReadOnlyList<GeocodeHit>?> CallAsync(Uri url, string q, int limit, string? language, CancellationToken cancellationToken)
    {
        var query = new Dictionary<string, string?>
        {
            ["q"] = q,
            ["format"] = "json",
            ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(language))
        {
            query["accept-language"] = language;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.GeocodeTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, QueryHelpers.AddQueryString(url.ToString(), query));
            request.Headers.UserAgent.ParseAdd(settings.GeocodeUserAgent);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogProviderError(logger, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var document = await JsonDocument.ParseAsync(body, default, timeout.Token);
            return Parse(document.RootElement, limit);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogProviderError(logger, ex.Message);
            return null;
        }
    }

    private static List<GeocodeHit> Parse(JsonElement root, int limit)
    {
        var hits = new List<GeocodeHit>();
        if (root.ValueKind != JsonValueKind.Array)
        {
            return hits;
        }

        foreach (var item in root.EnumerateArray().Take(limit))
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("lat", out var lat) && item.TryGetProperty("lon", out var lon))
            {
                var name = item.TryGetProperty("display_name", out var display) && display.ValueKind == JsonValueKind.String ? display.GetString()! : "";
                hits.Add(new GeocodeHit(name, lat.Clone(), lon.Clone()));
            }
        }

        return hits;
    }

    /// <summary>Reserves the next free call slot (shared by every instance) and waits for it; false if it is too far away.</summary>
    private async Task<bool> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var command = dataSource.CreateCommand(
            """
            UPDATE markers.geocode_throttle
            SET next_slot = GREATEST(next_slot, @now) + @interval
            WHERE id = 1 AND GREATEST(next_slot, @now) <= @latest
            RETURNING next_slot - @interval
            """);
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
        command.Parameters.Add(new NpgsqlParameter("interval", NpgsqlDbType.Interval) { Value = settings.GeocodeMinInterval });
        command.Parameters.Add(new NpgsqlParameter("latest", NpgsqlDbType.TimestampTz) { Value = now + MaxWait });
        if (await command.ExecuteScalarAsync(cancellationToken) is not DateTime slot)
        {
            return false;
        }

        var wait = slot - now;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken);
        }

        return true;
    }

    private async Task<IReadOnlyList<GeocodeHit>?> ReadCacheAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT hits::text FROM markers.geocode_cache WHERE key = @key AND expires_at > @now");
        command.Parameters.AddWithValue("key", key);
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = clock.Now() });
        if (await command.ExecuteScalarAsync(cancellationToken) is not string json)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement, int.MaxValue);
    }

    private async Task WriteCacheAsync(string key, IReadOnlyList<GeocodeHit> hits, CancellationToken cancellationToken)
    {
        if (settings.GeocodeCacheTtl <= TimeSpan.Zero)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO markers.geocode_cache (key, hits, expires_at) VALUES (@key, @hits, @expires)
            ON CONFLICT (key) DO UPDATE SET hits = excluded.hits, expires_at = excluded.expires_at
            """);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.Add(new NpgsqlParameter("hits", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(hits, Map.SharedKernel.WireJson.Options) });
        command.Parameters.Add(new NpgsqlParameter("expires", NpgsqlDbType.TimestampTz) { Value = clock.Now() + settings.GeocodeCacheTtl });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online geocoder failed: {Reason}")]
    private static partial void LogProviderError(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Online geocoder busy: no call slot within the wait limit for '{Query}'")]
    private static partial void LogThrottled(ILogger logger, string query);
}

/// <summary>One geocoder for the API and the bot: the offline file first, the online provider only when it has nothing.</summary>
internal sealed class Geocoder(OfflineGeocodeFile offline, OnlineGeocoder online)
{
    public async Task<IReadOnlyList<GeocodeHit>> SearchAsync(string q, int limit, string? language, CancellationToken cancellationToken)
    {
        var hits = offline.Search(q, limit);
        return hits.Count > 0 ? hits : await online.SearchAsync(q, limit, language, cancellationToken);
    }

    /// <summary>The first hit with usable coordinates, for a request that came without them.</summary>
    public async Task<Domain.GeoPoint?> LocateAsync(string name, CancellationToken cancellationToken)
    {
        var hits = await SearchAsync(name.Trim(), 1, null, cancellationToken);
        return hits.Select(h => h.ToPoint()).FirstOrDefault(p => p is not null);
    }
}
