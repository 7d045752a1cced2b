using System.Net;
using System.Text.Json;
using Map.Testing;
using StackExchange.Redis;

namespace Map.Modules.Markers.Tests;

/// <summary>Spec §8 case 7 on a database of its own (the "remaining" count starts from an empty queue).</summary>
public sealed class ApprovalFlowTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}";

    private async Task<int> SubmitAsync(string name, double lat, double lon)
    {
        var (status, body) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers?force=1", new { name, lat, lon });
        Assert.Equal(HttpStatusCode.OK, status);
        return body.Int("pending");
    }

    [Fact]
    public async Task Approve_reject_and_clear_keep_the_requests_with_their_history_and_publish_events()
    {
        // Spec §8 case 7, with the requests kept and the MARKER_* events in the standard envelope.
        var root = await map.Markers.LoginAsync();
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);
        var redis = await ConnectionMultiplexer.ConnectAsync(map.Environment.RedisUrl.Replace("redis://", "", StringComparison.Ordinal).Split('/')[0]);
        var published = new List<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(map.RedisPrefix + "map_updates"), (_, message) =>
        {
            lock (published)
            {
                published.Add(message.ToString());
            }
        });
        var p1 = await SubmitAsync(Unique("P1"), 53.91, 27.51);
        var p2 = await SubmitAsync(Unique("P2"), 53.92, 27.52);
        var p3 = await SubmitAsync(Unique("P3"), 53.93, 27.53);

        var (approveStatus, approved) = await root.Http.PostJsonAsync($"/api/pending/{p1}/approve", new { reason = "looks right" });
        var addressId = approved.Int("id");
        var (rejectStatus, rejected) = await root.Http.PostJsonAsync($"/api/pending/{p2}/reject");
        var (clearStatus, cleared) = await root.Http.PostJsonAsync("/api/pending/clear");
        var (_, count) = await root.Http.GetJsonAsync("/api/pending/count");

        Assert.Equal((HttpStatusCode.OK, "ok"), (approveStatus, approved.Str("status")));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.addresses a JOIN markers.pending_markers p ON p.address_id = a.id "
            + "WHERE p.id = $1 AND a.id = $2 AND a.name = p.name AND a.lat = 53.91 AND a.lon = 27.51 AND a.status = 'Локальный доступ' AND p.state = 'approved'",
            p1, addressId));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'approved' AND address_id = $2 AND actor = 'root' AND reason = 'looks right'",
            p1, addressId));
        Assert.Equal((HttpStatusCode.OK, "ok", 1), (rejectStatus, rejected.Str("status"), rejected.Int("remaining")));
        Assert.Equal((HttpStatusCode.OK, "ok"), (clearStatus, cleared.Str("status")));
        Assert.Equal(0, count.Int("count"));
        Assert.Equal(3L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers WHERE id IN ($1, $2, $3)", p1, p2, p3));
        Assert.Equal("rejected", await map.ScalarAsync<string>("SELECT state FROM markers.pending_markers WHERE id = $1", p2));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'cancelled' AND actor = 'root'", p3));
        Assert.Equal(3L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action IN ('pending.approve', 'pending.reject', 'pending.clear') AND actor = 'root'"));

        // Frames arrive in publish order.
        Assert.NotNull(await socket.WaitForEventAsync("pending_approved", d => d.Int("pending_id") == p1 && d.Int("address_id") == addressId));
        var markerApproved = await socket.WaitForEventAsync("MARKER_APPROVED", d => d.Int("marker_id") == p1);
        Assert.Equal(addressId, markerApproved!.Value.GetProperty("new_object").Int("id"));
        Assert.NotNull(await socket.WaitForEventAsync("address_created", d => d.Int("id") == addressId));
        Assert.NotNull(await socket.WaitForEventAsync("pending_rejected", d => d.Int("pending_id") == p2));
        Assert.NotNull(await socket.WaitForEventAsync("MARKER_REJECTED", d => d.Int("marker_id") == p2));
        Assert.NotNull(await socket.WaitForEventAsync("pending_cleared"));
        Assert.True(await Eventually.TrueAsync(() =>
        {
            lock (published)
            {
                return Task.FromResult(published.Any(m => m.Contains("\"event\":\"MARKER_APPROVED\"", StringComparison.Ordinal)
                    && JsonDocument.Parse(m).RootElement.GetProperty("data").Int("marker_id") == p1));
            }
        }));
        await redis.DisposeAsync();
    }
}
