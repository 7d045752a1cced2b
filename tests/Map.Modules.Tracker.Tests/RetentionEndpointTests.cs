using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Modules.Tracker.Points;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>The manual retention endpoints <c>/api/admin/retention/*</c> (admin-platform spec §4.5, decision 0056).</summary>
public sealed class RetentionEndpointTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    private static readonly string[] Gets = ["/api/admin/retention/preview", "/api/admin/retention/last", "/api/admin/retention/scheduler"];

    // As in RetentionTests: a Thursday noon ahead of the real clock; 90 days earlier is mid-week.
    private readonly FakeTimeProvider clock = new(PointPartitions.WeekStart(DateTime.UtcNow).AddDays(10).AddHours(12));
    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = TrackerTestContext.Relaxed, Clock = clock });

    private Task<long> PointsAsync(long session, DateTime from, DateTime to) =>
        map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1 AND ts >= $2 AND ts < $3", session, from, to);

    private Task<long> PartitionExistsAsync(DateTime weekStart) =>
        map.CountAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tracker' AND c.relname = $1", PointPartitions.PartitionName(weekStart));

    [Fact]
    public async Task A_dry_run_counts_and_a_run_drops_the_old_week_and_deletes_the_straddling_weeks_remainder()
    {
        var root = await App.LoginAsync();
        var phone = await App.PairAsync(root);
        var session = await phone.StartAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now.AddDays(-90);
        var straddling = PointPartitions.WeekStart(cutoff);
        var oldWeek = straddling.AddDays(-14);
        await phone.UploadAsync(session, TrackerApi.Track(7, oldWeek.AddDays(2)));
        await phone.UploadAsync(session, TrackerApi.Track(10, cutoff.AddHours(-2)));
        await phone.UploadAsync(session, TrackerApi.Track(4, cutoff.AddHours(1)));
        await phone.UploadAsync(session, TrackerApi.Track(5, now.AddDays(-1)));

        var preview = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/admin/retention/preview"), HttpStatusCode.OK);
        Assert.Equal(90, preview.GetProperty("RETENTION_TRACK_DAYS").GetInt32());
        Assert.Equal(30, preview.GetProperty("computed").GetProperty("health_log_days").GetInt32());
        var never = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/admin/retention/last"), HttpStatusCode.OK);
        Assert.Equal("never", never.GetProperty("kind").GetString());

        // Dry run: what would go, nothing gone.
        var dry = await TrackerApi.ExpectAsync(await root.Http.PostAsJsonAsync("/api/admin/retention/run", new { dry_run = true }), HttpStatusCode.OK);
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Contains(PointPartitions.PartitionName(oldWeek), Names(dry));
        // Other tests of this class may have left older weeks: the counts are those of the whole table.
        Assert.Equal(await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE ts < $1", cutoff), dry.GetProperty("deleted").GetProperty("tracking_points").GetInt64());
        Assert.Equal(await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE ts < $1", straddling), dry.GetProperty("deleted").GetProperty("tracking_points_in_dropped_partitions").GetInt64());
        Assert.True(dry.GetProperty("deleted").GetProperty("tracking_points_in_dropped_partitions").GetInt64() >= 7);
        Assert.Equal(new DateTimeOffset(cutoff, TimeSpan.Zero).ToUnixTimeMilliseconds(), dry.GetProperty("cutoffs").GetProperty("tracks_ts_ms").GetInt64());
        Assert.EndsWith("Z", dry.GetProperty("now_utc").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await PartitionExistsAsync(oldWeek));
        Assert.Equal(26, await PointsAsync(session, DateTime.UnixEpoch, now.AddDays(1)));
        var afterDry = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/admin/retention/last"), HttpStatusCode.OK);
        Assert.Equal("dry_run", afterDry.GetProperty("kind").GetString());

        // The run: the old week's partition is dropped, the straddling week loses only its rows before the cutoff.
        var run = await TrackerApi.ExpectAsync(await root.Http.PostAsJsonAsync("/api/admin/retention/run", new { }), HttpStatusCode.OK);
        Assert.False(run.GetProperty("dry_run").GetBoolean());
        Assert.Contains(PointPartitions.PartitionName(oldWeek), Names(run));
        Assert.DoesNotContain(PointPartitions.PartitionName(straddling), Names(run));
        Assert.Equal(10, run.GetProperty("deleted").GetProperty("tracking_points").GetInt64());
        Assert.Equal(0, await PartitionExistsAsync(oldWeek));
        Assert.Equal(1, await PartitionExistsAsync(straddling));
        Assert.Equal(0, await PointsAsync(session, DateTime.UnixEpoch, cutoff));
        Assert.Equal(4, await PointsAsync(session, cutoff, cutoff.AddDays(1)));
        Assert.Equal(5, await PointsAsync(session, now.AddDays(-2), now));

        var last = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/admin/retention/last"), HttpStatusCode.OK);
        Assert.Equal("run", last.GetProperty("kind").GetString());
        Assert.Equal(10, last.GetProperty("report").GetProperty("deleted").GetProperty("tracking_points").GetInt64());
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.RETENTION_DRY_RUN' AND actor = $1", root.Username));
        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.RETENTION_RUN' AND actor = $1 AND payload->>'deleted_points' = '10' AND payload->'dropped_partitions' ? $2",
            root.Username,
            PointPartitions.PartitionName(oldWeek)));

        var scheduler = await TrackerApi.ExpectAsync(await root.Http.GetAsync("/api/admin/retention/scheduler"), HttpStatusCode.OK);
        Assert.True(scheduler.GetProperty("enabled").GetBoolean());
        Assert.Equal("20 3 * * *", scheduler.GetProperty("cron").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(AdminRole.Viewer)]
    [InlineData(AdminRole.Editor)]
    public async Task Below_superadmin_every_retention_route_is_refused_and_nothing_is_deleted(AdminRole? role)
    {
        var root = await App.LoginAsync();
        var phone = await App.PairAsync(root);
        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(3, clock.GetUtcNow().AddDays(-200)));
        var audited = await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'tracker.RETENTION%'");
        HttpClient client;
        if (role is { } r)
        {
            var username = "ret-" + Guid.NewGuid().ToString("N")[..12];
            await map.CreateAdminAsync(username, r, "password-1234");
            client = (await App.LoginAsync(username, "password-1234")).Http;
        }
        else
        {
            client = App.CreateBrowser();
        }

        foreach (var path in Gets)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/admin/retention/run", new { })).StatusCode);
        Assert.Equal(3, await PointsAsync(session, DateTime.UnixEpoch, clock.GetUtcNow().UtcDateTime));
        Assert.Equal(audited, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'tracker.RETENTION%'"));
    }

    [Fact]
    public async Task A_run_needs_the_sessions_csrf_token()
    {
        var root = await App.LoginAsync();
        var phone = await App.PairAsync(root);
        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(3, clock.GetUtcNow().AddDays(-200)));
        var username = "ret-csrf-" + Guid.NewGuid().ToString("N")[..8];
        await map.CreateAdminAsync(username, AdminRole.Superadmin, "password-1234");
        var admin = await App.LoginAsync(username, "password-1234", sendCsrf: false);

        foreach (var token in new[] { null, "not-the-token", admin.CsrfToken[..^1] })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/retention/run") { Content = JsonContent.Create(new { }) };
            if (token is not null)
            {
                request.Headers.Add("X-CSRF-Token", token);
            }

            var response = await admin.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("forbidden", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            Assert.Equal(3, await PointsAsync(session, DateTime.UnixEpoch, clock.GetUtcNow().UtcDateTime));
        }

        var accepted = new HttpRequestMessage(HttpMethod.Post, "/api/admin/retention/run") { Content = JsonContent.Create(new { }) };
        accepted.Headers.Add("X-CSRF-Token", admin.CsrfToken);
        await TrackerApi.ExpectAsync(await admin.Http.SendAsync(accepted), HttpStatusCode.OK);
        Assert.Equal(0, await PointsAsync(session, DateTime.UnixEpoch, clock.GetUtcNow().UtcDateTime));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'tracker.RETENTION_RUN' AND actor = $1", username));
    }

    private static List<string> Names(JsonElement report) =>
        [.. report.GetProperty("dropped_partitions").EnumerateArray().Select(p => p.GetString()!)];
}
