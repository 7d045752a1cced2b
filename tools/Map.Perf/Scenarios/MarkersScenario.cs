using System.Globalization;
using System.Net.Http.Json;
using Npgsql;
using NpgsqlTypes;

namespace Map.Perf.Scenarios;

/// <summary>
/// Markers: the bot's submission path (idempotency lookup, duplicate detection within 100 m or by name, zone by
/// point-in-polygon, insert with history) and the reads around it. Seeding fills <c>addresses</c> to the scale and
/// <c>pending_markers</c> (still pending) to a tenth of it, spread over Belarus (51.3–56.1 N, 23.2–32.7 E) as real
/// data would be, so duplicate checks find neighbours at the large scale.
/// </summary>
internal sealed class MarkersScenario : IPerfScenario
{
    private const double LatMin = 51.3;
    private const double LatSpan = 4.8;
    private const double LonMin = 23.2;
    private const double LonSpan = 9.5;

    public string Name => "markers";

    public async Task PrepareAsync(PerfContext context, CancellationToken cancellationToken)
    {
        // One zone around Minsk, so every submission runs the point-in-polygon step.
        var zone = await context.Clients.Admin.PostAsJsonAsync(
            "/zones",
            new
            {
                description = $"perf {context.RunId}",
                color = "#3388ff",
                geometry = new { latlngs = new[] { new { lat = 53.7, lng = 27.3 }, new { lat = 53.7, lng = 27.8 }, new { lat = 54.1, lng = 27.8 }, new { lat = 54.1, lng = 27.3 } } },
            },
            cancellationToken);
        zone.EnsureSuccessStatusCode();
        var first = await context.Clients.Bot.PostAsJsonAsync("/api/bot/markers?force=1", new { name = $"perf probe {context.RunId}", lat = 53.9, lon = 27.56 }, cancellationToken);
        first.EnsureSuccessStatusCode();
    }

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("seeding markers");
        await CopyAsync(database, "addresses", totalRows, pending: false, context.RunId, cancellationToken);
        await CopyAsync(database, "pending_markers", totalRows / 10, pending: true, context.RunId, cancellationToken);
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        yield return new("POST /api/bot/markers", (c, seq, ct) =>
        {
            var (lat, lon) = Point(seq + 7_000_000_000L);
            return c.Bot.PostAsJsonAsync(
                "/api/bot/markers",
                new
                {
                    name = $"perf {context.RunId} {seq}",
                    lat,
                    lon,
                    description = "perf run",
                    user_id = $"perf-{seq % 1000}",
                    message_id = $"{context.RunId}-{seq}",
                    reporter = new { surname = "Perf" },
                },
                ct);
        });
        yield return new("GET /api/bot/markers/<id>", (c, seq, ct) => c.Bot.GetAsync($"/api/bot/markers/{1 + (seq % 1000)}", ct));
        yield return new("GET /api/pending/count", (c, _, ct) => c.Admin.GetAsync("/api/pending/count", ct));
        yield return new("GET /api/addresses?page=1&per_page=50", (c, _, ct) => c.Admin.GetAsync("/api/addresses?page=1&per_page=50", ct));
    }

    private static async Task CopyAsync(NpgsqlDataSource database, string table, long target, bool pending, string runId, CancellationToken cancellationToken)
    {
        await using var count = database.CreateCommand($"SELECT count(*) FROM markers.{table}");
        var existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        if (existing >= target)
        {
            return;
        }

        var now = DateTime.UtcNow;
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var columns = pending
            ? "name, name_key, lat, lon, status, category, state, user_id, created_at, updated_at"
            : "name, name_key, lat, lon, status, category, created_at, updated_at";
        await using var writer = await connection.BeginBinaryImportAsync($"COPY markers.{table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        for (var i = existing; i < target; i++)
        {
            var (lat, lon) = Point(pending ? 3_000_000_000L + i : i);
            var name = string.Create(CultureInfo.InvariantCulture, $"{(pending ? "Заявка" : "Адрес")} {runId} {i}");
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(name, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(name.ToLowerInvariant(), NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(lat, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync(lon, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync("Локальный доступ", NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync("Видеонаблюдение", NpgsqlDbType.Varchar, cancellationToken);
            if (pending)
            {
                await writer.WriteAsync("pending", NpgsqlDbType.Varchar, cancellationToken);
                await writer.WriteAsync($"seed-{i % 5000}", NpgsqlDbType.Varchar, cancellationToken);
            }

            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>A deterministic, well-spread point for a number (a hash, not a grid, so neighbours are realistic).</summary>
    private static (double Lat, double Lon) Point(long n)
    {
        var hash = (ulong)n * 0x9E3779B97F4A7C15UL;
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 32;
        var u = (hash & 0xFFFFFFFF) / (double)uint.MaxValue;
        var v = (hash >> 32) / (double)uint.MaxValue;
        return (Math.Round(LatMin + (u * LatSpan), 6), Math.Round(LonMin + (v * LonSpan), 6));
    }
}
