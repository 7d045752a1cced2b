using System.Net;
using Map.SharedKernel;

namespace Map.Modules.Markers.Tests;

public sealed class ZoneTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static readonly object Square = new
    {
        latlngs = new[] { new { lat = 10.0, lng = 20.0 }, new { lat = 10.0, lng = 21.0 }, new { lat = 11.0, lng = 21.0 }, new { lat = 11.0, lng = 20.0 } },
    };

    [Fact]
    public async Task Superadmin_creates_a_zone_and_viewers_read_it_on_both_paths()
    {
        var root = await map.Markers.LoginAsync();
        await map.CreateAdminAsync("zone-viewer", AdminRole.Viewer);
        var viewer = await map.Markers.LoginAsync("zone-viewer", "password-1234");

        var (status, created) = await root.Http.PostJsonAsync("/zones", new { description = "Центр", color = "#00ff00", icon = "beer", geometry = Square });
        var id = created.Int("id");
        var (_, list) = await viewer.Http.GetJsonAsync("/zones");
        var (_, apiList) = await viewer.Http.GetJsonAsync("/api/zones");

        Assert.Equal(HttpStatusCode.OK, status);
        var zone = Assert.Single(list.EnumerateArray(), z => z.Int("id") == id);
        Assert.Equal("Центр", zone.Str("description"));
        Assert.Equal("#00ff00", zone.Str("color"));
        Assert.Equal("beer", zone.Str("icon"));
        Assert.Equal(4, zone.GetProperty("geometry").GetProperty("latlngs").GetArrayLength());
        Assert.Contains(apiList.EnumerateArray(), z => z.Int("id") == id);
    }

    [Fact]
    public async Task Reads_need_a_viewer_session_and_writes_a_superadmin()
    {
        await map.CreateAdminAsync("zone-editor", AdminRole.Editor);
        var editor = await map.Markers.LoginAsync("zone-editor", "password-1234");
        var before = await map.ScalarAsync<long>("SELECT count(*) FROM markers.zone");

        var anonymous = await map.Markers.CreateBrowser().GetJsonAsync("/zones");
        var bot = await map.Markers.CreateBot().GetJsonAsync("/api/zones");
        var post = await editor.Http.PostJsonAsync("/zones", new { color = "#fff", geometry = Square });
        var delete = await editor.Http.DeleteJsonAsync("/api/zones/1");

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (anonymous.Status, anonymous.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, bot.Status);
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (post.Status, post.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
        Assert.Equal(before, await map.ScalarAsync<long>("SELECT count(*) FROM markers.zone"));
    }

    [Fact]
    public async Task Writes_without_the_csrf_token_are_refused()
    {
        var root = await map.Markers.LoginAsync(sendCsrf: false);

        var (status, body) = await root.Http.PostJsonAsync("/zones", new { color = "#fff", geometry = Square });

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (status, body.Error()));
    }

    [Theory]
    [InlineData("""{"geometry":{"latlngs":[{"lat":1,"lng":2},{"lat":1,"lng":3},{"lat":2,"lng":3}]}}""", "color is required")]
    [InlineData("""{"color":"#fff"}""", "geometry is required")]
    [InlineData("""{"color":"#fff","geometry":{"latlngs":[{"lat":1,"lng":2},{"lat":1,"lng":3}]}}""", "geometry must be a polygon")]
    [InlineData("""{"color":"#fff","geometry":{"latlngs":[{"lat":100,"lng":2},{"lat":1,"lng":3},{"lat":2,"lng":3}]}}""", "geometry must be a polygon")]
    [InlineData("""{"color":"#fff","geometry":"not json"}""", "geometry must be a polygon")]
    [InlineData("""{"color":"#fff","geometry":{"type":"Point"}}""", "geometry must be a polygon")]
    [InlineData("""{"color":"#fff","icon":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","geometry":{"latlngs":[{"lat":1,"lng":2},{"lat":1,"lng":3},{"lat":2,"lng":3}]}}""", "too long")]
    [InlineData("""[1,2]""", "invalid json")]
    public async Task Bad_zone_bodies_are_400_and_store_nothing(string body, string error)
    {
        var root = await map.Markers.LoginAsync();
        var before = await map.ScalarAsync<long>("SELECT count(*) FROM markers.zone");

        var (status, response) = await root.Http.PostJsonAsync("/zones", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(error, response.Error(), StringComparison.Ordinal);
        Assert.Equal(before, await map.ScalarAsync<long>("SELECT count(*) FROM markers.zone"));
    }

    [Fact]
    public async Task GeoJson_style_geometry_is_accepted()
    {
        var root = await map.Markers.LoginAsync();

        var (status, body) = await root.Http.PostJsonAsync("/api/zones", new
        {
            color = "#123456",
            geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { 20.0, 10.0 }, new[] { 21.0, 10.0 }, new[] { 21.0, 11.0 }, new[] { 20.0, 10.0 } } } },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("#123456", await map.ScalarAsync<string>("SELECT color FROM markers.zone WHERE id = $1", body.Int("id")));
    }

    [Fact]
    public async Task Update_without_geometry_keeps_the_polygon_and_unknown_ids_are_404()
    {
        var root = await map.Markers.LoginAsync();
        var id = await map.CreateZoneAsync(root, 10, 20, 11, 21);
        var geometry = await map.ScalarAsync<string>("SELECT geometry FROM markers.zone WHERE id = $1", id);

        var (status, body) = await root.Http.PutJsonAsync($"/zones/{id}", new { description = "renamed", color = "#000000", icon = (string?)null });
        var missing = await root.Http.PutJsonAsync("/zones/999999", new { color = "#000000" });
        var missingDelete = await root.Http.DeleteJsonAsync("/api/zones/999999");

        Assert.Equal((HttpStatusCode.OK, "ok"), (status, body.Str("status")));
        Assert.Equal("renamed", await map.ScalarAsync<string>("SELECT description FROM markers.zone WHERE id = $1", id));
        Assert.Null(await map.ScalarAsync<string>("SELECT icon FROM markers.zone WHERE id = $1", id));
        Assert.Equal(geometry, await map.ScalarAsync<string>("SELECT geometry FROM markers.zone WHERE id = $1", id));
        Assert.Equal((HttpStatusCode.NotFound, "not found"), (missing.Status, missing.Body.Error()));
        Assert.Equal(HttpStatusCode.NotFound, missingDelete.Status);
    }

    [Fact]
    public async Task Deleting_a_zone_unlinks_its_addresses_requests_and_admins_and_is_audited()
    {
        var root = await map.Markers.LoginAsync();
        var id = await map.CreateZoneAsync(root, 10, 20, 11, 21);
        var admin = await map.CreateAdminAsync("zone-bound", AdminRole.Editor, zones: [id]);
        await map.ExecuteAsync(
            "INSERT INTO markers.addresses (name, name_key, lat, lon, zone_id, created_at, updated_at) VALUES ('a', 'a', 10.5, 20.5, $1, now(), now())", id);
        await map.ExecuteAsync(
            "INSERT INTO markers.pending_markers (name, name_key, lat, lon, zone_id, state, created_at, updated_at) VALUES ('p', 'p', 10.5, 20.5, $1, 'pending', now(), now())", id);

        var addressId = await map.ScalarAsync<long>("SELECT id FROM markers.addresses WHERE name = 'a'");
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);

        var (status, body) = await root.Http.DeleteJsonAsync($"/zones/{id}");

        Assert.Equal((HttpStatusCode.OK, "ok"), (status, body.Str("status")));
        var updated = await socket.WaitForEventAsync("address_updated", d => d.GetProperty("id").GetInt64() == addressId);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, updated!.Value.GetProperty("zone_id").ValueKind);
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.zone WHERE id = $1", id));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE zone_id = $1", id));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses WHERE name = 'a' AND zone_id IS NULL"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers WHERE name = 'p' AND zone_id IS NULL"));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_zones WHERE admin_id = $1", admin));
        Assert.Equal(1L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action = 'zone.delete' AND actor = 'root' AND (payload->>'id')::int = $1", id));
    }
}
