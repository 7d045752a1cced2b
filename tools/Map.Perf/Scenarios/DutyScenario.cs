using Npgsql;

namespace Map.Perf.Scenarios;

/// <summary>
/// The duty dashboard (<c>GET /api/duty/admin/dashboard</c>) against N active shifts, each with an open Telegram
/// tracking session of 1,000 points (the last 83 minutes, 5 s apart), so <c>--scales 5,500</c> compares 5 against 500
/// active units. The dashboard is one query per section, never one per shift: the target is p99(500) ≤ 2 × p99(5).
/// Seeding writes shifts, sessions and points with set-based SQL (user ids <c>perf-duty-k</c>).
/// </summary>
internal sealed class DutyScenario : IPerfScenario
{
    public const string DashboardName = "GET /api/duty/admin/dashboard";
    private const int PointsPerShift = 1000;

    public string Name => "duty";

    public Task PrepareAsync(PerfContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("duty seeding");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long existing;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM duty.duty_shifts WHERE user_id LIKE 'perf-duty-%' AND ended_at IS NULL", connection))
        {
            existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (existing >= totalRows)
        {
            return;
        }

        var now = DateTime.UtcNow;
        await using (var partitions = new NpgsqlCommand(
            $"""
            DO $$ DECLARE w date := date_trunc('week', '{now.AddDays(-8):yyyy-MM-dd}'::timestamptz AT TIME ZONE 'UTC')::date; BEGIN
              WHILE w < '{now.AddDays(8):yyyy-MM-dd}'::date LOOP
                EXECUTE format('CREATE TABLE IF NOT EXISTS tracker.tracking_points_w%s PARTITION OF tracker.tracking_points FOR VALUES FROM (%L) TO (%L)',
                  to_char(w, 'YYYYMMDD'), w::text || ' 00:00:00+00', (w + 7)::text || ' 00:00:00+00');
                w := w + 7;
              END LOOP; END $$
            """,
            connection))
        {
            await partitions.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var seed = new NpgsqlCommand(
            """
            WITH shifts AS (
              INSERT INTO duty.duty_shifts (user_id, unit_label, started_at)
              SELECT 'perf-duty-' || k, 'П-' || k, $3::timestamptz - interval '2 hours' FROM generate_series($1::int, $2::int - 1) AS k
              RETURNING id, user_id),
            sessions AS (
              INSERT INTO tracker.tracking_sessions (user_id, shift_id, message_id, source, started_at, is_active, last_lat, last_lon, last_at)
              SELECT user_id, id, id, 'telegram', $3::timestamptz - interval '90 minutes', true, 53.9, 27.56, $3::timestamptz FROM shifts
              RETURNING id, user_id)
            INSERT INTO tracker.tracking_points (session_id, user_id, ts, lat, lon, accuracy_m, kind)
            SELECT s.id, s.user_id, $3::timestamptz - make_interval(secs => 5 * i), 53.9 + (i % 50) * 0.00001, 27.56, 8.0, 'live'
            FROM sessions s CROSS JOIN generate_series(0, $4::int - 1) AS i
            """,
            connection);
        seed.CommandTimeout = 600;
        seed.Parameters.AddWithValue((int)existing);
        seed.Parameters.AddWithValue((int)totalRows);
        seed.Parameters.AddWithValue(now);
        seed.Parameters.AddWithValue(PointsPerShift);
        await seed.ExecuteNonQueryAsync(cancellationToken);

        // Points loaded in bulk bypass the ingest statement that keeps each session's live state (decision 0089).
        await using var live = new NpgsqlCommand(
            """
            SELECT tracker.rebuild_live_state(s.id) FROM tracker.tracking_sessions s
            WHERE s.user_id LIKE 'perf-duty-%' AND s.ended_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM tracker.session_live_state l WHERE l.session_id = s.id)
            """,
            connection);
        live.CommandTimeout = 600;
        await live.ExecuteNonQueryAsync(cancellationToken);
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        // Streamed to the runner, which reads it to the last byte: 300 KB at 500 units.
        yield return new(DashboardName, (c, _, ct) => c.Admin.GetAsync("/api/duty/admin/dashboard", HttpCompletionOption.ResponseHeadersRead, ct));
    }
}
