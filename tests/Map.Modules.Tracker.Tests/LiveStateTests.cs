using System.Net.Http.Json;
using Map.Modules.Tracker.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// The session live state (decision 0089) that the Duty dashboard reads instead of the points: kept by the ingest
/// statement, it must agree with the stored points whatever the order and concurrency of the batches.
/// </summary>
public sealed class LiveStateTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    [Fact]
    public async Task Live_state_holds_the_30_newest_points_and_counts_each_point_once_under_concurrent_and_late_batches()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var now = OnCellBoundary(DateTimeOffset.UtcNow);
        var first = TrackerApi.Track(20, now.AddMinutes(-4));
        var second = TrackerApi.Track(20, now.AddMinutes(-4).AddSeconds(100), lat: 54.0);
        var late = TrackerApi.Track(10, now.AddMinutes(-30), lat: 55.0);

        // 20 copies of one batch, then a newer and an older batch at the same time.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => phone.UploadAsync(session, first)));
        await Task.WhenAll(phone.UploadAsync(session, second), phone.UploadAsync(session, late));

        await using var scope = map.Tracker.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<IBotTracking>();
        var unit = (await tracking.GetUserTrackingAsync([phone.UserId], now.UtcDateTime))[phone.UserId];

        Assert.Equal(session, unit.OpenSession!.Id);
        // The 30 newest stored points, newest first (by time and position: the state may not know the points' ids).
        var newest = await map.ScalarAsync<DateTime[]>(
            "SELECT array_agg(ts ORDER BY ts DESC) FROM (SELECT ts FROM tracker.tracking_points WHERE session_id = $1 ORDER BY ts DESC LIMIT 30) p", session);
        var newestLat = await map.ScalarAsync<double[]>(
            "SELECT array_agg(lat ORDER BY ts DESC) FROM (SELECT ts, lat FROM tracker.tracking_points WHERE session_id = $1 ORDER BY ts DESC LIMIT 30) p", session);
        Assert.Equal(newest, unit.OpenSessionPoints.Select(p => p.Ts));
        Assert.Equal(newestLat, unit.OpenSessionPoints.Select(p => p.Lat));
        Assert.Equal(now.AddMinutes(-4).AddSeconds(195).UtcDateTime, unit.OpenSessionPoints[0].Ts);
        Assert.Equal(8.5, unit.OpenSessionPoints[0].AccuracyM);
        Assert.Equal("app", unit.OpenSessionPoints[0].Kind);

        // The KPI counts the 40 points of the last 5 minutes once each, not the copies and not the late batch.
        Assert.Equal(40, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND ts >= $2", session, now.AddMinutes(-5).UtcDateTime));
        Assert.Equal(new SessionKpi(40, 8.5, 0), unit.Kpi5m);

        // Three minutes on, the window starts at now − 2 min: the 16 points of the second batch from there on remain.
        var later = (await tracking.GetUserTrackingAsync([phone.UserId], now.AddMinutes(3).UtcDateTime))[phone.UserId];
        Assert.Equal(16, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND ts >= $2", session, now.AddMinutes(-2).UtcDateTime));
        Assert.Equal(new SessionKpi(16, 8.5, 0), later.Kpi5m);
        var gone = (await tracking.GetUserTrackingAsync([phone.UserId], now.AddMinutes(10).UtcDateTime))[phone.UserId];
        Assert.Equal(new SessionKpi(0, null, 0), gone.Kpi5m);
    }

    [Fact]
    public async Task A_live_state_row_changed_by_another_writer_is_merged_into_not_overwritten()
    {
        // This process holds the row it wrote and writes the next state it computed only while the row is unchanged;
        // here another writer (another instance, or a bulk load) changes it in between.
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var now = OnCellBoundary(DateTimeOffset.UtcNow);
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddMinutes(-3)));
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddMinutes(-3).AddSeconds(25), lat: 53.5));
        await map.ExecuteAsync(
            "INSERT INTO tracker.tracking_points (session_id, user_id, ts, lat, lon, kind, flags) VALUES ($1, $2, $3, 55.5, 27.5, 'app', '{jump}')",
            session, phone.UserId, now.AddMinutes(-2).UtcDateTime);
        await map.ExecuteAsync("SELECT tracker.rebuild_live_state($1)", session);
        await phone.UploadAsync(session, TrackerApi.Track(2, now.AddMinutes(-1), lat: 54.5));

        await using var scope = map.Tracker.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<IBotTracking>();
        var unit = (await tracking.GetUserTrackingAsync([phone.UserId], now.UtcDateTime))[phone.UserId];
        Assert.Equal(
            await map.ScalarAsync<DateTime[]>("SELECT array_agg(ts ORDER BY ts DESC) FROM tracker.tracking_points WHERE session_id = $1", session),
            unit.OpenSessionPoints.Select(p => p.Ts));
        Assert.Equal(54.5001, unit.OpenSessionPoints[0].Lat, 6);
        Assert.Contains(unit.OpenSessionPoints, p => p.Lat == 55.5 && p.Flags.Contains("jump"));
        Assert.Equal(new SessionKpi(13, 8.5, 1), unit.Kpi5m);
    }

    [Fact]
    public async Task A_repeated_read_reuses_the_held_points_only_while_the_live_state_row_is_unchanged()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddMinutes(-3)));

        await using var scope = map.Tracker.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<IBotTracking>();
        async Task<UserTracking> ReadAsync() => (await tracking.GetUserTrackingAsync([phone.UserId], now.UtcDateTime))[phone.UserId];

        // The second read gets the same points without PostgreSQL sending them: the very list the first read parsed.
        var first = await ReadAsync();
        var second = await ReadAsync();
        Assert.Equal(5, first.OpenSessionPoints.Count);
        Assert.Same(first.OpenSessionPoints, second.OpenSessionPoints);

        // A new batch changes the row, so the next read has its points.
        await phone.UploadAsync(session, TrackerApi.Track(2, now.AddMinutes(-1), lat: 54.5));
        var third = await ReadAsync();
        Assert.NotSame(first.OpenSessionPoints, third.OpenSessionPoints);
        Assert.Equal(7, third.OpenSessionPoints.Count);
        Assert.Equal(54.5001, third.OpenSessionPoints[0].Lat, 6);

        // So does a late batch, older than the session's last position: it leaves that position as it was but changes
        // the state, and the read still notices (the held state is checked against the session row).
        var lastAt = await map.ScalarAsync<DateTime>("SELECT last_at FROM tracker.tracking_sessions WHERE id = $1", session);
        await phone.UploadAsync(session, TrackerApi.Track(1, now.AddMinutes(-2), lat: 55.5));
        Assert.Equal(lastAt, await map.ScalarAsync<DateTime>("SELECT last_at FROM tracker.tracking_sessions WHERE id = $1", session));
        var late = await ReadAsync();
        Assert.Equal(8, late.OpenSessionPoints.Count);
        Assert.Contains(late.OpenSessionPoints, p => p.Lat == 55.5);
        Assert.Equal(8, late.Kpi5m!.Points5m);
        Assert.Same(late.OpenSessionPoints, (await ReadAsync()).OpenSessionPoints);

        // A new session is never answered with the old session's points, even before it has a point of its own.
        await TrackerApi.ExpectAsync(await phone.Http.PostAsJsonAsync("/api/tracker/stop", new { }), System.Net.HttpStatusCode.OK);
        var next = await phone.StartAsync();
        var fourth = await ReadAsync();
        Assert.Equal(next, fourth.OpenSession!.Id);
        Assert.Empty(fourth.OpenSessionPoints);
        await phone.UploadAsync(next, TrackerApi.Track(1, now.AddSeconds(-30), lat: 53.1));
        Assert.Equal([53.1], (await ReadAsync()).OpenSessionPoints.Select(p => p.Lat));
    }

    /// <summary>On a 10-second boundary, as the KPI cells are, so the window edges of a test fall between cells.</summary>
    private static DateTimeOffset OnCellBoundary(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds - (seconds % 10));
    }
}
