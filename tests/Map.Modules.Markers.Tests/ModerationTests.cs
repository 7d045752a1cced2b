using System.Net;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

public sealed class ModerationTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static string Unique(string prefix) => $"{prefix} {Guid.NewGuid():N}";

    private async Task<int> SubmitAsync(string? name = null, double lat = 53.9, double lon = 27.56, string? userId = null)
    {
        var (status, body) = await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers?force=1", new
        {
            name = name ?? Unique("Request"),
            lat,
            lon,
            user_id = userId,
            message_id = userId is null ? null : Guid.NewGuid().ToString("N"),
        });
        Assert.Equal(HttpStatusCode.OK, status);
        return body.Int("pending");
    }

    private async Task<AdminClient> AdminAsync(AdminRole role, params int[] zones)
    {
        var name = $"m{role}-{Guid.NewGuid():N}"[..20];
        await map.CreateAdminAsync(name, role, zones: zones);
        return await map.Markers.LoginAsync(name, "password-1234");
    }

    [Fact]
    public async Task Unknown_ids_are_404_and_moderated_requests_cannot_change_again()
    {
        // Spec §8 case 8 (first half) and terminal states.
        var root = await map.Markers.LoginAsync();
        var id = await SubmitAsync();
        await root.Http.PostJsonAsync($"/api/pending/{id}/reject");
        var addresses = await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses");

        var approveUnknown = await root.Http.PostJsonAsync("/api/pending/999999/approve");
        var rejectUnknown = await root.Http.PostJsonAsync("/api/pending/999999/reject");
        var approveRejected = await root.Http.PostJsonAsync($"/api/pending/{id}/approve");
        var rejectAgain = await root.Http.PostJsonAsync($"/api/pending/{id}/reject");

        Assert.Equal((HttpStatusCode.NotFound, "not found"), (approveUnknown.Status, approveUnknown.Body.Error()));
        Assert.Equal((HttpStatusCode.NotFound, "not found"), (rejectUnknown.Status, rejectUnknown.Body.Error()));
        Assert.Equal((HttpStatusCode.Conflict, "already rejected"), (approveRejected.Status, approveRejected.Body.Error()));
        Assert.Equal((HttpStatusCode.Conflict, "already rejected"), (rejectAgain.Status, rejectAgain.Body.Error()));
        Assert.Equal(addresses, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses"));
        Assert.Equal(2L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1", id));
    }

    [Fact]
    public async Task Two_simultaneous_approvals_create_one_address()
    {
        var root = await map.Markers.LoginAsync();
        var id = await SubmitAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => root.Http.PostJsonAsync($"/api/pending/{id}/approve")));

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal((HttpStatusCode.Conflict, "already approved"), (r.Status, r.Body.Error())));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'approved'", id));
    }

    [Fact]
    public async Task Roles_viewers_read_editors_moderate_superadmins_clear()
    {
        var viewer = await AdminAsync(AdminRole.Viewer);
        var editor = await AdminAsync(AdminRole.Editor);
        var id = await SubmitAsync();

        var anonymous = await map.Markers.CreateBrowser().GetJsonAsync("/api/pending/count");
        var viewerList = await viewer.Http.GetJsonAsync("/api/pending");
        var viewerApprove = await viewer.Http.PostJsonAsync($"/api/pending/{id}/approve");
        var viewerDelete = await viewer.Http.DeleteJsonAsync($"/api/requests/{id}");
        var editorClear = await editor.Http.PostJsonAsync("/api/pending/clear");
        var bot = await map.Markers.CreateBot().PostJsonAsync($"/api/pending/{id}/reject");

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (anonymous.Status, anonymous.Body.Error()));
        Assert.Contains(id, viewerList.Body.Ids());
        Assert.Equal(HttpStatusCode.Forbidden, viewerApprove.Status);
        Assert.Equal(HttpStatusCode.Forbidden, viewerDelete.Status);
        Assert.Equal(HttpStatusCode.Forbidden, editorClear.Status);
        Assert.Equal(HttpStatusCode.Forbidden, bot.Status);
        Assert.Equal("pending", await map.ScalarAsync<string>("SELECT state FROM markers.pending_markers WHERE id = $1", id));
    }

    [Fact]
    public async Task Zone_scoping_applies_to_the_queue_the_bell_and_decisions()
    {
        // Spec §8 case 8 (second half), for each role.
        var root = await map.Markers.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 70, 70, 71, 71);
        var zoneB = await map.CreateZoneAsync(root, 72, 72, 73, 73);
        var inA = await SubmitAsync(lat: 70.5, lon: 70.5);
        var inB = await SubmitAsync(lat: 72.5, lon: 72.5);
        var open = await SubmitAsync(lat: 1.5, lon: 1.5);
        var viewerA = await AdminAsync(AdminRole.Viewer, zoneA);
        var editorA = await AdminAsync(AdminRole.Editor, zoneA);
        var noZones = await AdminAsync(AdminRole.Editor);
        int[] mine = [inA, inB, open];

        var viewerQueue = (await viewerA.Http.GetJsonAsync("/api/pending")).Body.Ids().Intersect(mine);
        var viewerBell = (await viewerA.Http.GetJsonAsync("/api/requests/pending")).Body.Ids().Intersect(mine);
        var noZoneQueue = (await noZones.Http.GetJsonAsync("/api/pending")).Body.Ids().Intersect(mine);
        var rootQueue = (await root.Http.GetJsonAsync("/api/pending")).Body.Ids().Intersect(mine);
        var readB = await viewerA.Http.GetJsonAsync($"/api/requests/{inB}");
        var approveB = await editorA.Http.PostJsonAsync($"/api/pending/{inB}/approve");
        var rejectB = await editorA.Http.PostJsonAsync($"/api/pending/{inB}/reject");
        var deleteB = await editorA.Http.DeleteJsonAsync($"/api/requests/{inB}");
        var approveA = await editorA.Http.PostJsonAsync($"/api/pending/{inA}/approve");

        Assert.Equal(new[] { open, inA }, viewerQueue);
        Assert.Equal(new[] { open, inA }, viewerBell);
        Assert.Equal(new[] { open }, noZoneQueue);
        Assert.Equal(new[] { open, inB, inA }, rootQueue);
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (readB.Status, readB.Body.Error()));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (approveB.Status, approveB.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, rejectB.Status);
        Assert.Equal(HttpStatusCode.Forbidden, deleteB.Status);
        Assert.Equal(HttpStatusCode.OK, approveA.Status);
        Assert.Equal(zoneA, await map.ScalarAsync<int>("SELECT zone_id FROM markers.addresses WHERE id = $1", approveA.Body.Int("id")));
        Assert.Equal("pending", await map.ScalarAsync<string>("SELECT state FROM markers.pending_markers WHERE id = $1", inB));
    }

    [Fact]
    public async Task A_zoned_request_event_reaches_only_viewers_of_its_zone()
    {
        var root = await map.Markers.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 74, 74, 75, 75);
        var zoneB = await map.CreateZoneAsync(root, 76, 76, 77, 77);
        await using var inZone = await map.Markers.ConnectRealtimeAsync(await AdminAsync(AdminRole.Viewer, zoneA));
        await using var outOfZone = await map.Markers.ConnectRealtimeAsync(await AdminAsync(AdminRole.Viewer, zoneB));

        var zoned = await SubmitAsync(lat: 74.5, lon: 74.5);
        var open = await SubmitAsync(lat: 5.5, lon: 5.5);

        Assert.NotNull(await inZone.WaitForEventAsync("pending_created", d => d.Int("id") == zoned));
        var seen = new List<int>();
        Assert.NotNull(await outOfZone.WaitForEventAsync("pending_created", d =>
        {
            seen.Add(d.Int("id"));
            return d.Int("id") == open;
        }));
        Assert.DoesNotContain(zoned, seen);
    }

    [Fact]
    public async Task The_bell_lists_reads_and_resolves_requests()
    {
        // Spec §8 cases 9 and 10, with the bell's decision recorded (the predecessor recorded nothing).
        var root = await map.Markers.LoginAsync();
        var name = Unique("Addr");
        await map.ExecuteAsync(
            "INSERT INTO markers.pending_markers (name, name_key, lat, lon, photo, state, created_at, updated_at) VALUES ($1, lower($1), 10, 20, 'pic.png', 'pending', now(), now())",
            name);
        var id = await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE name = $1", name);
        var (_, listed) = await root.Http.GetJsonAsync("/api/requests/pending");
        var (_, one) = await root.Http.GetJsonAsync($"/api/requests/{id}");
        // The legacy UI "approves": it creates the address from the request, then deletes the request.
        var address = (await root.Http.PostJsonAsync("/api/addresses", new { name = one.Str("address"), lat = one.GetProperty("lat").GetDouble(), lon = one.GetProperty("lon").GetDouble() })).Body.Int("id");
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);

        var (status, deleted) = await root.Http.DeleteJsonAsync($"/api/requests/{id}");
        var (_, again) = await root.Http.DeleteJsonAsync($"/api/requests/{id}");
        var (_, unknown) = await root.Http.DeleteJsonAsync("/api/requests/999999");
        var missing = await root.Http.GetJsonAsync("/api/requests/999999");

        Assert.Contains(id, listed.Ids());
        Assert.Equal(name, one.Str("address"));
        Assert.Equal("", one.Str("reporter"));
        Assert.Equal((HttpStatusCode.OK, "ok", true), (status, deleted.Str("status"), deleted.GetProperty("deleted").GetBoolean()));
        Assert.False(again.GetProperty("deleted").GetBoolean());
        Assert.False(unknown.GetProperty("deleted").GetBoolean());
        Assert.Equal((HttpStatusCode.NotFound, "Not found"), (missing.Status, missing.Body.Error()));
        Assert.Equal("pic.png", await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", address));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_markers WHERE id = $1 AND state = 'approved' AND address_id = $2", id, address));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'approved' AND actor = 'root'", id));
        Assert.NotNull(await socket.WaitForEventAsync("MARKER_APPROVED", d => d.Int("marker_id") == id));
        Assert.NotNull(await socket.WaitForEventAsync("address_updated", d => d.Int("id") == address && d.Str("photo") == "pic.png"));
        var (_, status2) = await map.Markers.CreateBot().GetJsonAsync($"/api/bot/markers/{id}");
        Assert.Equal(("approved", address), (status2.Str("status"), status2.Int("address_id")));
    }

    [Fact]
    public async Task The_bell_records_a_rejection_when_no_new_address_matches()
    {
        var root = await map.Markers.LoginAsync();
        var name = Unique("Old place");
        var older = (await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 12.0, lon = 22.0 })).Body.Int("id");
        await map.ExecuteAsync(
            "INSERT INTO markers.pending_markers (name, name_key, lat, lon, photo, state, created_at, updated_at) VALUES ($1, lower($1), 12.00001, 22.00001, 'old.png', 'pending', now(), now())",
            name + " request");
        var id = await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE name = $1", name + " request");

        var (_, deleted) = await root.Http.DeleteJsonAsync($"/api/requests/{id}");

        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal("rejected", await map.ScalarAsync<string>("SELECT state FROM markers.pending_markers WHERE id = $1", id));
        Assert.Equal("old.png", await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", older));
    }

    [Fact]
    public async Task Bot_status_cancel_and_my_requests_follow_the_real_state()
    {
        // Spec §8 case 16, cancel restricted to pending requests of the same submitter, my-requests keeps moderated ones.
        var root = await map.Markers.LoginAsync();
        var bot = map.Markers.CreateBot();
        var user = "tg-" + Guid.NewGuid().ToString("N")[..8];
        var approved = await SubmitAsync(lat: 1.1, lon: 1.1, userId: user);
        var rejected = await SubmitAsync(lat: 1.2, lon: 1.2, userId: user);
        var cancelled = await SubmitAsync(lat: 1.3, lon: 1.3, userId: user);
        var foreign = await SubmitAsync(lat: 1.4, lon: 1.4, userId: "someone-else");
        var addressId = (await root.Http.PostJsonAsync($"/api/pending/{approved}/approve")).Body.Int("id");
        await root.Http.PostJsonAsync($"/api/pending/{rejected}/reject");
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);

        var cancel = await bot.PostJsonAsync($"/api/bot/markers/{cancelled}/cancel?user_id={user}");
        var cancelAgain = await bot.PostJsonAsync($"/api/bot/marker/{cancelled}/cancel", new { user_id = user });
        var cancelApproved = await bot.PostJsonAsync($"/api/bot/markers/{approved}/cancel");
        var cancelRejected = await bot.PostJsonAsync($"/api/bot/markers/{rejected}/cancel");
        var cancelForeign = await bot.PostJsonAsync($"/api/bot/markers/{foreign}/cancel?user_id={user}");
        var cancelUnknown = await bot.PostJsonAsync("/api/bot/markers/999999/cancel");
        var statusApproved = await bot.GetJsonAsync($"/api/bot/markers/{approved}");
        var statusUnknown = await bot.GetJsonAsync("/api/bot/marker/999999");
        var mine = await bot.GetJsonAsync($"/api/bot/my-requests/{user}");
        var mineAlias = await bot.GetJsonAsync($"/api/bot/my_requests/{user}?api_key={MapTestContext.BotKey}");

        Assert.Equal((HttpStatusCode.OK, "cancelled"), (cancel.Status, cancel.Body.Str("status")));
        Assert.NotNull(await socket.WaitForEventAsync("pending_cancelled", d => d.Int("pending_id") == cancelled));
        Assert.Equal((HttpStatusCode.Conflict, "already cancelled"), (cancelAgain.Status, cancelAgain.Body.Str("message")));
        Assert.Equal((HttpStatusCode.Conflict, "conflict", "already approved", addressId),
            (cancelApproved.Status, cancelApproved.Body.Str("status"), cancelApproved.Body.Str("message"), cancelApproved.Body.Int("address_id")));
        Assert.Equal((HttpStatusCode.Conflict, "already rejected"), (cancelRejected.Status, cancelRejected.Body.Str("message")));
        Assert.Equal((HttpStatusCode.Conflict, "not the submitter"), (cancelForeign.Status, cancelForeign.Body.Str("message")));
        Assert.Equal((HttpStatusCode.NotFound, "not found"), (cancelUnknown.Status, cancelUnknown.Body.Error()));
        Assert.Equal("pending", await map.ScalarAsync<string>("SELECT state FROM markers.pending_markers WHERE id = $1", foreign));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM markers.pending_history WHERE pending_id = $1 AND status = 'cancelled' AND actor = $2", cancelled, "telegram:" + user));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_history WHERE pending_id = 999999"));
        Assert.Equal(("approved", approved, addressId), (statusApproved.Body.Str("status"), statusApproved.Body.Int("pending"), statusApproved.Body.Int("address_id")));
        Assert.Equal((HttpStatusCode.OK, "unknown", 999999), (statusUnknown.Status, statusUnknown.Body.Str("status"), statusUnknown.Body.Int("pending")));
        var items = mine.Body.GetProperty("items").EnumerateArray().Select(i => (i.Int("id"), i.Str("status")!)).ToArray();
        Assert.Equal(new[] { (cancelled, "cancelled"), (rejected, "rejected"), (approved, "approved") }, items);
        Assert.Equal(addressId, mine.Body.GetProperty("items")[2].Int("address_id"));
        Assert.Equal(3, mineAlias.Body.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_retry_after_moderation_reports_the_real_state()
    {
        var root = await map.Markers.LoginAsync();
        var bot = map.Markers.CreateBot();
        var body = new { name = Unique("Retry later"), lat = 2.2, lon = 2.2, user_id = "u-late", message_id = "m-late" };
        var id = (await bot.PostJsonAsync("/api/bot/markers", body)).Body.Int("pending");
        var addressId = (await root.Http.PostJsonAsync($"/api/pending/{id}/approve")).Body.Int("id");

        var (status, retry) = await bot.PostJsonAsync("/api/bot/markers", body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((id, "approved", true, addressId), (retry.Int("pending"), retry.Str("status"), retry.GetProperty("existing").GetBoolean(), retry.Int("address_id")));
    }
}
