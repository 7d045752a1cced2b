using Map.Modules.Tracker.Points;
using Map.Modules.Tracker.Retention;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>Retention of tracking data (tracker spec §7, decision 0051) driven by a fake clock and explicit job runs.</summary>
public sealed class RetentionTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    // A Thursday noon one to two weeks ahead of the real clock (ahead, so sessions and cookies issued by the fake
    // clock stay valid for the parts of the stack that use the real one). 90 days earlier is a Friday noon: mid-week.
    private readonly FakeTimeProvider clock = new(PointPartitions.WeekStart(DateTime.UtcNow).AddDays(10).AddHours(12));
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = TrackerTestContext.Relaxed, Clock = clock });

    private async Task<RetentionReport?> RunAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TrackerRetentionJob>().RunOnceAsync(CancellationToken.None);
    }

    private Task<long> PointsAsync(long session, DateTime from, DateTime to) =>
        map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND ts >= $2 AND ts < $3", session, from, to);

    private Task<long> PartitionExistsAsync(DateTime weekStart) =>
        map.CountAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tracker' AND c.relname = $1", PointPartitions.PartitionName(weekStart));

    [Fact]
    public async Task Old_weeks_are_dropped_whole_and_the_straddling_week_loses_only_its_older_rows()
    {
        var admin = await App.LoginAsync();
        var phone = await App.PairAsync(admin);
        var session = await phone.StartAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now.AddDays(-90); // TRACKER_RETENTION_POINTS_DAYS default
        var straddling = PointPartitions.WeekStart(cutoff);
        var oldWeek = straddling.AddDays(-14);
        Assert.True(cutoff - straddling > TimeSpan.FromHours(3) && straddling.AddDays(7) - cutoff > TimeSpan.FromHours(3));

        await phone.UploadAsync(session, TrackerApi.Track(10, oldWeek.AddDays(2)));
        await phone.UploadAsync(session, TrackerApi.Track(10, cutoff.AddHours(-2))); // straddling week, before the cutoff
        await phone.UploadAsync(session, TrackerApi.Track(10, cutoff.AddHours(1))); // straddling week, after it
        await phone.UploadAsync(session, TrackerApi.Track(10, now.AddDays(-1)));
        Assert.Equal(1, await PartitionExistsAsync(oldWeek));

        // A stop that ended before the cutoff and one after; health log rows older and newer than 30 days.
        await map.ExecuteAsync(
            """
            INSERT INTO tracker.tracking_stops (session_id, start_ts, end_ts, center_lat, center_lon, duration_sec, radius_m, points_count)
            VALUES ($1, $2, $3, 53.9, 27.5, 600, 10, 5), ($1, $3, $4, 53.9, 27.5, 600, 10, 5)
            """,
            session, cutoff.AddHours(-3), cutoff.AddHours(-1), cutoff.AddHours(2));
        await map.ExecuteAsync(
            "INSERT INTO tracker.tracker_device_health_log (ts, device_id, user_id, battery_pct) VALUES ($1, $3, $4, 50), ($2, $3, $4, 60)",
            now.AddDays(-31), now.AddDays(-29), phone.DeviceId, phone.UserId);

        var report = await RunAsync();

        Assert.NotNull(report);
        Assert.Contains(PointPartitions.PartitionName(oldWeek), report.DroppedPartitions);
        Assert.DoesNotContain(PointPartitions.PartitionName(straddling), report.DroppedPartitions);
        Assert.Equal(0, await PartitionExistsAsync(oldWeek));
        Assert.Equal(1, await PartitionExistsAsync(straddling));
        Assert.Equal(10, report.DeletedPoints);
        Assert.Equal(0, await PointsAsync(session, DateTime.UnixEpoch, cutoff));
        Assert.Equal(10, await PointsAsync(session, cutoff, cutoff.AddDays(1)));
        Assert.Equal(10, await PointsAsync(session, now.AddDays(-2), now));
        Assert.Equal(1, report.DeletedStops);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracking_stops WHERE session_id = $1", session));
        Assert.Equal(1, report.DeletedHealthLog);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.tracker_device_health_log WHERE device_id = $1 AND battery_pct = 60", phone.DeviceId));

        // A second run the same day finds nothing more to do.
        var again = await RunAsync();
        Assert.Equal((0, 0L, 0L, 0L), (again!.DroppedPartitions.Count, again.DeletedPoints, again.DeletedStops, again.DeletedHealthLog));

        // A week later the straddling week has aged out entirely: it is dropped, not emptied row by row.
        clock.Advance(TimeSpan.FromDays(7));
        var later = await RunAsync();
        Assert.Contains(PointPartitions.PartitionName(straddling), later!.DroppedPartitions);
        Assert.Equal(0, await PartitionExistsAsync(straddling));
        Assert.Equal(10, await PointsAsync(session, now.AddDays(-2), now));

        // A late upload into a dropped week still stores (its partition is created again on demand).
        var late = await phone.UploadAsync(session, TrackerApi.Track(3, oldWeek.AddDays(3)));
        Assert.Equal(3, late.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task The_retention_period_is_a_setting()
    {
        var shortRetention = map.StartInstance(new MapHostOptions
        {
            Settings = new Dictionary<string, string?>(TrackerTestContext.Relaxed) { ["TRACKER_RETENTION_POINTS_DAYS"] = "14", ["TRACKER_RETENTION_HEALTH_LOG_DAYS"] = "7" },
            Clock = clock,
        });
        var admin = await shortRetention.LoginAsync();
        var phone = await shortRetention.PairAsync(admin);
        var session = await phone.StartAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddDays(-30)));
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddDays(-10)));

        await using var scope = shortRetention.Services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<TrackerRetentionJob>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(now.AddDays(-14), report!.PointsCutoff);
        Assert.Equal(now.AddDays(-7), report.HealthLogCutoff);
        Assert.Equal(0, await PointsAsync(session, DateTime.UnixEpoch, now.AddDays(-14)));
        Assert.Equal(5, await PointsAsync(session, now.AddDays(-14), now));
    }
}
