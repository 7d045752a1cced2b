using System.Net;
using System.Net.Http.Json;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// Decision 0031, update: the statements every upload runs (device token lookup, session lookup, the batch insert) are
/// prepared once per pooled connection. With one pooled connection every step here runs on the same server session, so
/// a prepared insert that fails (a retried batch hits the unique key and falls back to the statement that skips
/// duplicates) is followed on that very session by new batches, a refused session and ordinary admin requests.
/// </summary>
public sealed class PreparedIngestTests : IAsyncLifetime
{
    private readonly TrackerTestContext map = new();
    private MapInstance app = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?>(TrackerTestContext.Relaxed) { ["DB_POOL_SIZE"] = "1" } });
    }

    public Task DisposeAsync() => map.DisposeAsync();

    [Fact]
    public async Task A_failing_prepared_insert_leaves_the_only_pooled_connection_usable_for_the_next_uploads()
    {
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var session = await phone.StartAsync();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var first = TrackerApi.Track(100, start);

        var stored = await phone.UploadAsync(session, first);
        Assert.Equal(100, stored.GetProperty("accepted").GetInt32());
        for (var i = 0; i < 3; i++)
        {
            var retried = await phone.UploadAsync(session, first);
            Assert.Equal((0, 100), (retried.GetProperty("accepted").GetInt32(), retried.GetProperty("dedup").GetInt32()));
            var next = await phone.UploadAsync(session, TrackerApi.Track(100, start.AddMinutes(10 * (i + 1))));
            Assert.Equal((100, 0), (next.GetProperty("accepted").GetInt32(), next.GetProperty("dedup").GetInt32()));
        }

        // Half stored, half new: the fallback statement stores only the new half.
        var overlapping = await phone.UploadAsync(session, TrackerApi.Track(100, start.AddMinutes(30).AddSeconds(250)));
        Assert.Equal((50, 50), (overlapping.GetProperty("accepted").GetInt32(), overlapping.GetProperty("dedup").GetInt32()));
        await TrackerApi.ExpectErrorAsync(
            await phone.Http.PostAsJsonAsync("/api/tracker/points", new { session_id = session + 1000, points = TrackerApi.Track(5, start.AddHours(-1)) }),
            HttpStatusCode.Conflict,
            "session_inactive");
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/api/tracker/admin/devices")).StatusCode);
        Assert.Equal(450, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE session_id = $1", session));

        // The one pooled connection holds the upload's statements, prepared once and kept across requests: the insert and
        // its fallback that skips duplicates.
        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%tracker.tracking_points%'", connection);
        Assert.Equal(2L, await prepared.ExecuteScalarAsync());
    }
}
