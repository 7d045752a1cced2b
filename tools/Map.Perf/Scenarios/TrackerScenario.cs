using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Map.Perf.Scenarios;

/// <summary>
/// Tracker ingest: 200 paired phones upload batches of 100 new points over HTTP with their device tokens
/// (<c>POST /api/tracker/points</c>), against the same batches written by a raw binary COPY into the same
/// <c>tracker.tracking_points</c> table on the same closed loop (one COPY of 100 rows per request). Both rows print
/// requests/s of 100 points; <see cref="Summarize"/> prints points/s and the HTTP / COPY ratio. Seeding grows the table
/// with COPY (spread over 12 weeks of partitions and 2,000 sessions), for the 10 M-row comparison.
/// </summary>
internal sealed class TrackerScenario : IPerfScenario
{
    public const string HttpName = "POST /api/tracker/points (100 pts, 200 devices)";
    public const string CopyName = "raw binary COPY of 100 pts (same table)";
    private const int Devices = 200;
    private const int BatchSize = 100;

    private static readonly DateTime Base = DateTime.UtcNow.AddDays(-700);
    private readonly List<(string Token, long Session, string UserId)> phones = [];

    /// <summary>
    /// The scenario's own request counter: the run's shared sequence also counts the baseline's requests (tens of
    /// thousands a second), which would walk the points past the weeks created up front during a long warm-up.
    /// </summary>
    private long slots;

    /// <summary>
    /// The measured points' days after <see cref="Base"/>: room for about 500,000 requests of 100 points, which a fast host
    /// needs for <c>--rounds 5</c> (each endpoint's warm-up takes slots too: COPY's 20 s took 40,000), and still 100 days
    /// in the past, so the upload's future-timestamp rule never applies.
    /// </summary>
    private const int WeeksAheadDays = 600;

    private static readonly long MaxSlots = (long)TimeSpan.FromDays(WeeksAheadDays).TotalSeconds / BatchSize;

    /// <summary>The next request's own 100 seconds; past the weeks created up front, a clear failure rather than COPY's.</summary>
    private long NextSlot()
    {
        var seq = Interlocked.Increment(ref slots);
        return seq < MaxSlots
            ? seq
            : throw new InvalidOperationException($"the tracker scenario used up its {MaxSlots:N0} batches of new points: use fewer --runs, --rounds, --scales or a shorter --warmup");
    }

    public string Name => "tracker";

    public async Task PrepareAsync(PerfContext context, CancellationToken cancellationToken)
    {
        // The weeks both endpoints write into (the slot picks the time; HTTP and COPY share the slots,
        // so the COPY side writes weeks the HTTP side never created): created up front, outside the measurement.
        await CreateWeeksAsync(context.RequireDatabase("tracker partitions"), Base.AddDays(-7), Base.AddDays(WeeksAheadDays), cancellationToken);
        for (var i = 0; i < Devices; i++)
        {
            using var issued = await context.Clients.Admin.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label = $"perf {i}" }, cancellationToken);
            issued.EnsureSuccessStatusCode();
            var code = (await issued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("code").GetString();
            using var paired = await context.Clients.Anonymous.PostAsJsonAsync("/api/tracker/pair", new { code }, cancellationToken);
            paired.EnsureSuccessStatusCode();
            var body = await paired.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var token = body.GetProperty("device_token").GetString()!;
            using var start = new HttpRequestMessage(HttpMethod.Post, "/api/tracker/start") { Content = JsonContent.Create(new { }) };
            start.Headers.Add("X-DEVICE-TOKEN", token);
            using var started = await context.Clients.Anonymous.SendAsync(start, cancellationToken);
            started.EnsureSuccessStatusCode();
            var session = (await started.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("session_id").GetInt64();
            phones.Add((token, session, body.GetProperty("user_id").GetString()!));
        }
    }

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("tracker seeding");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long existing;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM tracker.tracking_points", connection))
        {
            existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (existing >= totalRows)
        {
            return;
        }

        // Seed points live in 12 weeks before the measured ones, in 2,000 sessions of their own (ids far above real ones).
        var start = Base.AddDays(-84);
        var span = TimeSpan.FromDays(84).TotalSeconds;
        var rows = totalRows - existing;
        await CreateWeeksAsync(database, start, Base.AddDays(8), cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY tracker.tracking_points (session_id, user_id, device_id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        // The i-th new row: session i mod 2000 of this seeding's own 2,000 (numbered from the table's count, so a later
        // scale's seeding never shares one) at i / rows of the span, so two rows of one session are 2,000 / rows of the
        // span apart. (Numbering the rows from the table's count instead wrapped around the span once the measured rounds
        // had stored more points than were left to seed, and repeated (session, ts) pairs: a unique violation.)
        for (var i = 0L; i < rows; i++)
        {
            var session = 5_000_000_000L + existing + (i % 2000);
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(session, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync($"DT-seed{i % 2000}", NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync($"seed{i % 2000}", NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(start.AddSeconds(i * span / rows), NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(53.9 + ((i % 1000) * 0.0001), NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync(27.5, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync(8.0, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync("app", NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(1.5, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync(90.0, NpgsqlDbType.Double, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    private static async Task CreateWeeksAsync(NpgsqlDataSource database, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var partitions = database.CreateCommand(
            """
            DO $$ DECLARE w date := date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC')::date; BEGIN
              WHILE w < $2::date LOOP
                EXECUTE format('CREATE TABLE IF NOT EXISTS tracker.tracking_points_w%s PARTITION OF tracker.tracking_points FOR VALUES FROM (%L) TO (%L)',
                  to_char(w, 'YYYYMMDD'), w::text || ' 00:00:00+00', (w + 7)::text || ' 00:00:00+00');
                w := w + 7;
              END LOOP; END $$
            """.Replace("$1::timestamptz", $"'{from:yyyy-MM-dd}'::timestamptz", StringComparison.Ordinal)
               .Replace("$2::date", $"'{to:yyyy-MM-dd}'::date", StringComparison.Ordinal));
        await partitions.ExecuteNonQueryAsync(cancellationToken);
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        yield return new(HttpName, (c, _, ct) =>
        {
            var seq = NextSlot();
            var phone = phones[(int)(seq % Devices)];
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/tracker/points")
            {
                Content = new StringContent(Batch(phone.Session, seq), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-DEVICE-TOKEN", phone.Token);
            return c.Anonymous.SendAsync(request, ct);
        });

        var database = context.RequireDatabase("the raw COPY comparison");
        yield return new(CopyName, async (_, _, ct) =>
        {
            var seq = NextSlot();
            var phone = phones[(int)(seq % Devices)];
            await using var connection = await database.OpenConnectionAsync(ct);
            await using (var writer = await connection.BeginBinaryImportAsync(
                "COPY tracker.tracking_points (session_id, user_id, device_id, ts, lat, lon, accuracy_m, kind, speed_mps, bearing_deg) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var (ts, lat, lon) in Points(seq))
                {
                    await writer.StartRowAsync(ct);
                    await writer.WriteAsync(phone.Session, NpgsqlDbType.Bigint, ct);
                    await writer.WriteAsync(phone.UserId, NpgsqlDbType.Varchar, ct);
                    await writer.WriteAsync(phone.UserId[3..], NpgsqlDbType.Varchar, ct);
                    await writer.WriteAsync(ts, NpgsqlDbType.TimestampTz, ct);
                    await writer.WriteAsync(lat, NpgsqlDbType.Double, ct);
                    await writer.WriteAsync(lon, NpgsqlDbType.Double, ct);
                    await writer.WriteAsync(8.5, NpgsqlDbType.Double, ct);
                    await writer.WriteAsync("app", NpgsqlDbType.Varchar, ct);
                    await writer.WriteAsync(2.0, NpgsqlDbType.Double, ct);
                    await writer.WriteAsync(90.0, NpgsqlDbType.Double, ct);
                }

                await writer.CompleteAsync(ct);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        });
    }

    public void Summarize(TextWriter output, IReadOnlyList<EndpointResult> results)
    {
        var http = results.FirstOrDefault(r => r.Name == HttpName);
        var copy = results.FirstOrDefault(r => r.Name == CopyName);
        if (http is null || copy is null)
        {
            return;
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"tracker ingest: HTTP {http.RequestsPerSecond * BatchSize:N0} points/s, raw COPY {copy.RequestsPerSecond * BatchSize:N0} points/s, ratio {http.RequestsPerSecond / copy.RequestsPerSecond:P0}"));
    }

    /// <summary>100 new points per request: the slot picks 100 seconds no other request uses (HTTP and COPY alike).</summary>
    private static IEnumerable<(DateTime Ts, double Lat, double Lon)> Points(long seq)
    {
        var start = Base.AddSeconds(seq * BatchSize);
        for (var i = 0; i < BatchSize; i++)
        {
            yield return (start.AddSeconds(i), 53.9 + (i * 0.0001), 27.56);
        }
    }

    private static string Batch(long session, long seq)
    {
        var json = new StringBuilder(12_000);
        json.Append(CultureInfo.InvariantCulture, $"{{\"session_id\":\"{session}\",\"points\":[");
        var first = true;
        foreach (var (ts, lat, lon) in Points(seq))
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            json.Append(CultureInfo.InvariantCulture, $"{{\"ts\":{new DateTimeOffset(ts).ToUnixTimeMilliseconds()},\"lat\":{lat:F6},\"lon\":{lon:F6},\"accuracy_m\":8.5,\"speed_mps\":2.0,\"bearing_deg\":90.0}}");
        }

        return json.Append("]}").ToString();
    }
}
