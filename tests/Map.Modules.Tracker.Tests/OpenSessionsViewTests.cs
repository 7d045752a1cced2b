using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// The open sessions the Duty dashboard reads from a view held per process and brought up to date from the rows written
/// since its last read (decision 0090): it must never miss a write, whatever the order in which transactions commit.
/// </summary>
public sealed class OpenSessionsViewTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    [Fact]
    public async Task A_write_that_commits_after_a_read_it_overlapped_is_seen_by_the_next_read_even_when_a_later_write_committed_first()
    {
        var admin = await map.AdminAsync();
        var slow = await map.Tracker.PairAsync(admin);
        var fast = await map.Tracker.PairAsync(admin);
        var slowSession = await slow.StartAsync();
        var fastSession = await fast.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await slow.UploadAsync(slowSession, TrackerApi.Track(3, now.AddMinutes(-3)));
        await fast.UploadAsync(fastSession, TrackerApi.Track(3, now.AddMinutes(-3)));
        await using var scope = map.Tracker.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<IBotTracking>();
        async Task<IReadOnlyDictionary<string, UserTracking>> ReadAsync() => await tracking.GetUserTrackingAsync([slow.UserId, fast.UserId], now.UtcDateTime);
        await ReadAsync();

        // The slow transaction takes its id first and commits last; the fast one commits in between, with a later id.
        await using var connection = await map.Db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var update = new Npgsql.NpgsqlCommand("UPDATE tracker.tracking_sessions SET last_lat = 10, last_lon = 20 WHERE id = $1", connection, transaction))
        {
            update.Parameters.AddWithValue(slowSession);
            await update.ExecuteNonQueryAsync();
        }

        await fast.UploadAsync(fastSession, TrackerApi.Track(2, now.AddMinutes(-1), lat: 54.5));
        var between = await ReadAsync();
        Assert.Equal(5, between[fast.UserId].OpenSessionPoints.Count);
        Assert.Equal(3, between[slow.UserId].OpenSessionPoints.Count);

        // The slow write's row carries a transaction id older than the fast one's: a view that went on from the newest
        // id it saw would never read it.
        await transaction.CommitAsync();
        var after = await ReadAsync();
        Assert.Equal(10, after[slow.UserId].OpenSession!.LastLat);
        Assert.Equal(5, after[fast.UserId].OpenSessionPoints.Count);
    }

    [Fact]
    public async Task A_session_deleted_behind_the_views_back_is_gone_at_the_next_read()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(3, DateTimeOffset.UtcNow.AddMinutes(-3)));
        var view = map.Tracker.Services.GetRequiredService<OpenSessionsView>();
        await using var scope = map.Tracker.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<IBotTracking>();
        Assert.Equal(session, (await tracking.GetUserTrackingAsync([phone.UserId], DateTime.UtcNow))[phone.UserId].OpenSession?.Id);
        var loads = view.FullLoads;

        await map.ExecuteAsync("DELETE FROM tracker.tracking_points WHERE session_id = $1", session);
        await map.ExecuteAsync("DELETE FROM tracker.tracking_sessions WHERE id = $1", session);

        Assert.Null((await tracking.GetUserTrackingAsync([phone.UserId], DateTime.UtcNow))[phone.UserId].OpenSession);
        Assert.Equal(loads + 1, view.FullLoads);
    }

    [Fact]
    public async Task An_unchanged_view_reads_only_changes_and_loads_in_full_again_after_five_minutes()
    {
        var phone = await map.Tracker.PairAsync(await map.AdminAsync());
        var session = await phone.StartAsync();
        await phone.UploadAsync(session, TrackerApi.Track(3, DateTimeOffset.UtcNow.AddMinutes(-3)));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var view = new OpenSessionsView(clock);
        await using var connection = await map.Db.OpenConnectionAsync();

        var first = await view.ReadAsync(connection, [phone.UserId], CancellationToken.None);
        var second = await view.ReadAsync(connection, [phone.UserId], CancellationToken.None);
        Assert.Equal(1, view.FullLoads);
        Assert.Same(first[phone.UserId], second[phone.UserId]);
        Assert.Equal(3, second[phone.UserId].Live!.Points.Count);

        clock.Advance(OpenSessionsView.FullLoadEvery - TimeSpan.FromSeconds(1));
        await view.ReadAsync(connection, [phone.UserId], CancellationToken.None);
        Assert.Equal(1, view.FullLoads);
        clock.Advance(TimeSpan.FromSeconds(1));
        var reloaded = await view.ReadAsync(connection, [phone.UserId], CancellationToken.None);
        Assert.Equal(2, view.FullLoads);
        Assert.NotSame(first[phone.UserId], reloaded[phone.UserId]);
        Assert.Equal(session, reloaded[phone.UserId].Session.Id);
    }
}
