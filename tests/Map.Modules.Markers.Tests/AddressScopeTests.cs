using System.Net;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>Zone scoping of addresses for each role, and the realtime events that follow the same rule.</summary>
public sealed class AddressScopeTests(MarkersContext map) : IAsyncLifetime, IClassFixture<MarkersContext>
{
    private int zoneA;
    private int zoneB;
    private int inA;
    private int inB;
    private int zoneless;

    public async Task InitializeAsync()
    {
        var root = await map.Markers.LoginAsync();
        zoneA = await map.CreateZoneAsync(root, 10, 10, 11, 11);
        zoneB = await map.CreateZoneAsync(root, 20, 20, 21, 21);
        inA = (await root.Http.PostJsonAsync("/api/addresses", new { name = "in A", lat = 10.5, lon = 10.5, zone_id = zoneA })).Body.Int("id");
        inB = (await root.Http.PostJsonAsync("/api/addresses", new { name = "in B", lat = 20.5, lon = 20.5, zone_id = zoneB })).Body.Int("id");
        zoneless = (await root.Http.PostJsonAsync("/api/addresses", new { name = "no zone", lat = 1.0, lon = 1.0 })).Body.Int("id");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<AdminClient> AdminAsync(AdminRole role, params int[] zones)
    {
        var name = $"{role}-{Guid.NewGuid():N}"[..20];
        await map.CreateAdminAsync(name, role, zones: zones);
        return await map.Markers.LoginAsync(name, "password-1234");
    }

    [Theory]
    [InlineData(AdminRole.Viewer)]
    [InlineData(AdminRole.Editor)]
    public async Task A_zone_bound_admin_sees_their_zone_and_zoneless_points(AdminRole role)
    {
        var admin = await AdminAsync(role, zoneA);

        var (_, list) = await admin.Http.GetJsonAsync("/api/addresses");

        Assert.Contains(inA, list.Ids());
        Assert.Contains(zoneless, list.Ids());
        Assert.DoesNotContain(inB, list.Ids());
    }

    [Fact]
    public async Task An_admin_without_zones_sees_only_zoneless_points_and_a_superadmin_sees_all()
    {
        var zoneFree = await AdminAsync(AdminRole.Editor);
        var root = await map.Markers.LoginAsync();

        var (_, none) = await zoneFree.Http.GetJsonAsync("/api/addresses");
        var (_, all) = await root.Http.GetJsonAsync("/api/addresses");

        Assert.Equal(new[] { zoneless }, none.Ids().Intersect([inA, inB, zoneless]).ToArray());
        Assert.Equal(new[] { zoneless, inB, inA }, all.Ids().Intersect([inA, inB, zoneless]).ToArray());
    }

    [Fact]
    public async Task An_editor_cannot_write_outside_their_zones()
    {
        var editor = await AdminAsync(AdminRole.Editor, zoneA);
        var before = await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses");

        // The zone is checked before the coordinates.
        var create = await editor.Http.PostJsonAsync("/api/addresses", new { name = "x", lat = 999, lon = 20.5, zone_id = zoneB });
        var update = await editor.Http.PutJsonAsync($"/api/addresses/{inB}", new { notes = "mine now" });
        var move = await editor.Http.PutJsonAsync($"/api/addresses/{inA}", new { zone_id = zoneB });
        var delete = await editor.Http.DeleteJsonAsync($"/api/addresses/{inB}");
        var ownCreate = await editor.Http.PostJsonAsync("/api/addresses", new { name = "ok", lat = 10.6, lon = 10.6, zone_id = zoneA });

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (create.Status, create.Body.Error()));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (update.Status, update.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, move.Status);
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
        Assert.Equal(HttpStatusCode.OK, ownCreate.Status);
        Assert.Equal(before + 1, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE id = $1 AND notes IS NULL AND zone_id = $2", inB, zoneB));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE id = $1 AND zone_id = $2", inA, zoneA));
    }

    [Fact]
    public async Task A_zoned_event_reaches_an_in_zone_viewer_and_not_an_out_of_zone_one()
    {
        var root = await map.Markers.LoginAsync();
        await using var inZone = await map.Markers.ConnectRealtimeAsync(await AdminAsync(AdminRole.Viewer, zoneA));
        await using var outOfZone = await map.Markers.ConnectRealtimeAsync(await AdminAsync(AdminRole.Viewer, zoneB));

        var zoned = (await root.Http.PostJsonAsync("/api/addresses", new { name = "zoned event", lat = 10.7, lon = 10.7, zone_id = zoneA })).Body.Int("id");
        var open = (await root.Http.PostJsonAsync("/api/addresses", new { name = "open event", lat = 2.0, lon = 2.0 })).Body.Int("id");

        var received = await inZone.WaitForEventAsync("address_created", d => d.Int("id") == zoned);
        Assert.NotNull(received);
        Assert.Equal("zoned event", received.Value.Str("name"));
        Assert.Equal(zoneA, received.Value.Int("zone_id"));
        // Frames arrive in publish order: the out-of-zone viewer gets the open point, and never saw the zoned one first.
        var seen = new List<int>();
        var openSeen = await outOfZone.WaitForEventAsync("address_created", d =>
        {
            seen.Add(d.Int("id"));
            return d.Int("id") == open;
        });
        Assert.NotNull(openSeen);
        Assert.DoesNotContain(zoned, seen);
    }

    [Fact]
    public async Task Json_updates_and_deletes_emit_events()
    {
        var root = await map.Markers.LoginAsync();
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);
        var id = (await root.Http.PostJsonAsync("/api/addresses", new { name = "evented", lat = 3.0, lon = 3.0 })).Body.Int("id");

        await root.Http.PutJsonAsync($"/api/addresses/{id}", new { notes = "json put" });
        await root.Http.DeleteJsonAsync($"/api/addresses/{id}");

        Assert.NotNull(await socket.WaitForEventAsync("address_created", d => d.Int("id") == id));
        var updated = await socket.WaitForEventAsync("address_updated", d => d.Int("id") == id);
        Assert.Equal("json put", updated!.Value.Str("notes"));
        Assert.NotNull(await socket.WaitForEventAsync("address_deleted", d => d.Int("id") == id));
    }
}
