using System.Net;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Markers.Tests;

public sealed class AddressTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private Task<long> CountAsync(string where = "true") => map.ScalarAsync<long>($"SELECT count(*) FROM markers.addresses WHERE {where}")!;

    [Fact]
    public async Task Create_list_update_delete_round_trip()
    {
        // Spec §8 case 11.
        var root = await map.Markers.LoginAsync();

        var (createStatus, created) = await root.Http.PostJsonAsync("/api/addresses", new { name = "Тверская 1", lat = 55.75, lon = 37.62, category = "Домофон" });
        var id = created.Int("id");
        var (_, list) = await root.Http.GetJsonAsync("/api/addresses");
        var (updateStatus, updated) = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { notes = "Обновлённое описание" });
        var (_, afterUpdate) = await root.Http.GetJsonAsync("/api/addresses");
        var (deleteStatus, deleted) = await root.Http.DeleteJsonAsync($"/api/addresses/{id}");
        var (_, afterDelete) = await root.Http.GetJsonAsync("/api/addresses");

        Assert.Equal(HttpStatusCode.OK, createStatus);
        Assert.Equal(JsonValueKind.Array, list.ValueKind);
        Assert.Contains(id, list.Ids());
        Assert.Equal((HttpStatusCode.OK, "ok"), (updateStatus, updated.Str("status")));
        var address = afterUpdate.EnumerateArray().Single(a => a.Int("id") == id);
        Assert.Equal("Обновлённое описание", address.Str("notes"));
        Assert.Equal("Тверская 1", address.Str("name"));
        Assert.Equal("Домофон", address.Str("category"));
        Assert.Equal((HttpStatusCode.OK, "ok"), (deleteStatus, deleted.Str("status")));
        Assert.DoesNotContain(id, afterDelete.Ids());
        Assert.Equal(3L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action IN ('address.create', 'address.update', 'address.delete') AND (payload->>'id')::int = $1", id));
    }

    [Theory]
    [InlineData("""{"name":"x","lat":999,"lon":37.6}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":55.7,"lon":-181}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":"55,7","lon":37.6}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":"NaN","lon":37.6}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":true,"lon":37.6}""", "Invalid coordinates")]
    [InlineData("""{"name":"x","lat":55.7}""", "name, lat, lon are required")]
    [InlineData("""{"lat":55.7,"lon":37.6}""", "name, lat, lon are required")]
    [InlineData("""{"name":"   ","lat":55.7,"lon":37.6}""", "name, lat, lon are required")]
    [InlineData("not json", "name, lat, lon are required")]
    [InlineData("""{"name":"x","lat":55.7,"lon":37.6,"status":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}""", "status is too long (max 64)")]
    [InlineData("""{"name":"x","lat":55.7,"lon":37.6,"zone_id":999999}""", "zone not found")]
    [InlineData("""{"name":{"a":1},"lat":55.7,"lon":37.6}""", "name must be a string")]
    public async Task Bad_creates_are_400_and_store_nothing(string body, string error)
    {
        // Spec §8 case 12 and the service-level rules (name and coordinates required).
        var root = await map.Markers.LoginAsync();
        var before = await CountAsync();

        var (status, response) = await root.Http.PostJsonAsync("/api/addresses", body);

        Assert.Equal((HttpStatusCode.BadRequest, error), (status, response.Error()));
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Bad_updates_are_400_and_change_nothing()
    {
        var root = await map.Markers.LoginAsync();
        var (_, created) = await root.Http.PostJsonAsync("/api/addresses", new { name = "Keep", lat = 10.0, lon = 20.0, notes = "n" });
        var id = created.Int("id");

        var outOfRange = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { lat = 999, notes = "changed" });
        var unparsable = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { lon = "20,5" });
        var emptyName = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { name = "" });
        var emptyLat = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { lat = "" });
        var badZone = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { zone_id = "north" });

        Assert.Equal((HttpStatusCode.BadRequest, "Invalid coordinates"), (outOfRange.Status, outOfRange.Body.Error()));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid coordinates"), (unparsable.Status, unparsable.Body.Error()));
        Assert.Equal((HttpStatusCode.BadRequest, "name, lat, lon are required"), (emptyName.Status, emptyName.Body.Error()));
        Assert.Equal((HttpStatusCode.BadRequest, "name, lat, lon are required"), (emptyLat.Status, emptyLat.Body.Error()));
        Assert.Equal((HttpStatusCode.BadRequest, "zone_id must be an integer"), (badZone.Status, badZone.Body.Error()));
        Assert.Equal(1L, await CountAsync($"id = {id} AND name = 'Keep' AND lat = 10 AND lon = 20 AND notes = 'n'"));
    }

    [Fact]
    public async Task Update_applies_only_sent_fields_and_can_clear_them()
    {
        var root = await map.Markers.LoginAsync();
        var zone = await map.CreateZoneAsync(root, 0, 0, 1, 1);
        var (_, created) = await root.Http.PostJsonAsync("/api/addresses", new
        {
            name = "Full",
            lat = 10.0,
            lon = 20.0,
            notes = "n",
            status = "Локальный доступ",
            link = "https://x",
            category = "c",
            zone_id = zone,
        });
        var id = created.Int("id");

        var (status, _) = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { description = "", link = (string?)null, zone_id = "", lat = 11.5 });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1L, await CountAsync(
            $"id = {id} AND name = 'Full' AND lat = 11.5 AND lon = 20 AND notes IS NULL AND link IS NULL AND zone_id IS NULL AND status = 'Локальный доступ' AND category = 'c'"));
        Assert.True(await map.ScalarAsync<bool>("SELECT updated_at > created_at FROM markers.addresses WHERE id = $1", id));
    }

    [Fact]
    public async Task Unknown_and_non_numeric_ids_are_404_and_get_of_one_address_is_405()
    {
        var root = await map.Markers.LoginAsync();

        var put = await root.Http.PutJsonAsync("/api/addresses/999999", new { notes = "x" });
        var delete = await root.Http.DeleteJsonAsync("/api/addresses/999999");
        var nonNumeric = await root.Http.DeleteJsonAsync("/api/addresses/abc");
        var get = await root.Http.GetJsonAsync("/api/addresses/1");

        Assert.Equal((HttpStatusCode.NotFound, "Not found"), (put.Status, put.Body.Error()));
        Assert.Equal((HttpStatusCode.NotFound, "Not found"), (delete.Status, delete.Body.Error()));
        Assert.Equal(HttpStatusCode.NotFound, nonNumeric.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.Status);
    }

    [Fact]
    public async Task Reads_need_a_viewer_and_writes_an_editor()
    {
        await map.CreateAdminAsync("addr-viewer", AdminRole.Viewer);
        var viewer = await map.Markers.LoginAsync("addr-viewer", "password-1234");
        var before = await CountAsync();

        var anonymous = await map.Markers.CreateBrowser().GetJsonAsync("/api/addresses");
        var bot = await map.Markers.CreateBot().GetJsonAsync("/api/addresses");
        var viewerList = await viewer.Http.GetJsonAsync("/api/addresses");
        var viewerCreate = await viewer.Http.PostJsonAsync("/api/addresses", new { name = "v", lat = 1, lon = 1 });
        var viewerBatch = await viewer.Http.PostJsonAsync("/api/addresses:batchDelete", new { ids = new[] { 1 } });

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (anonymous.Status, anonymous.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, bot.Status);
        Assert.Equal(HttpStatusCode.OK, viewerList.Status);
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (viewerCreate.Status, viewerCreate.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, viewerBatch.Status);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task Filters_are_exact_and_q_is_case_insensitive_over_name_and_notes()
    {
        // Spec §8 case 15.
        var root = await map.Markers.LoginAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        async Task<int> Create(string name, string? notes, string category, string status) =>
            (await root.Http.PostJsonAsync("/api/addresses", new { name = name + tag, lat = 1.0, lon = 1.0, notes, category, status })).Body.Int("id");
        var shop = await Create("Shop", null, "Домофон", "Локальный доступ");
        var bigShop = await Create("Big Shop", null, "Шлагбаум", "Удаленный доступ");
        var byNotes = await Create("Corner", "near the SHOP", "Домофон", "Удаленный доступ");
        var other = await Create("Park", "100% green_zone", "Домофон", "Локальный доступ");

        var (_, q) = await root.Http.GetJsonAsync($"/api/addresses?q=shop");
        var (_, category) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&category=Домофон");
        var (_, categoryPrefix) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&category=Домо");
        var (_, status) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&status=Удаленный доступ");
        var (_, percent) = await root.Http.GetJsonAsync($"/api/addresses?q={Uri.EscapeDataString("100%")}");
        var (_, underscore) = await root.Http.GetJsonAsync($"/api/addresses?q=ree_");

        Assert.Equal(new[] { byNotes, bigShop, shop }, q.Ids().Intersect([shop, bigShop, byNotes, other]).ToArray());
        Assert.Equal(new[] { other, byNotes, shop }, category.Ids());
        Assert.Empty(categoryPrefix.Ids());
        Assert.Equal(new[] { byNotes, bigShop }, status.Ids());
        Assert.Equal(new[] { other }, percent.Ids());
        Assert.Empty(underscore.Ids());
    }

    [Fact]
    public async Task Paging_parameters_switch_to_the_envelope()
    {
        var root = await map.Markers.LoginAsync();
        var tag = "page" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            await root.Http.PostJsonAsync("/api/addresses", new { name = $"{tag}-{i}", lat = 1.0, lon = 1.0 });
        }

        var (_, page2) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&page=2&per_page=2");
        var (_, invalid) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&page=zero&per_page=9999");

        Assert.Equal(2, page2.Int("page"));
        Assert.Equal(2, page2.Int("per_page"));
        Assert.Equal(3, page2.Int("total"));
        Assert.Equal($"{tag}-0", Assert.Single(page2.GetProperty("items").EnumerateArray()).Str("name"));
        Assert.Equal(1, invalid.Int("page"));
        Assert.Equal(500, invalid.Int("per_page"));
        Assert.Equal(3, invalid.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Batch_delete_skips_unknown_and_foreign_zone_ids()
    {
        var root = await map.Markers.LoginAsync();
        var mine = await map.CreateZoneAsync(root, 30, 30, 31, 31);
        var foreign = await map.CreateZoneAsync(root, 40, 40, 41, 41);
        await map.CreateAdminAsync("batch-editor", AdminRole.Editor, zones: [mine]);
        var editor = await map.Markers.LoginAsync("batch-editor", "password-1234");
        var a = (await root.Http.PostJsonAsync("/api/addresses", new { name = "a", lat = 30.5, lon = 30.5, zone_id = mine })).Body.Int("id");
        var b = (await root.Http.PostJsonAsync("/api/addresses", new { name = "b", lat = 1.0, lon = 1.0 })).Body.Int("id");
        var c = (await root.Http.PostJsonAsync("/api/addresses", new { name = "c", lat = 40.5, lon = 40.5, zone_id = foreign })).Body.Int("id");

        var (status, body) = await editor.Http.PostJsonAsync("/api/addresses:batchDelete", $$"""{"ids":[{{a}},"{{b}}",{{c}},999999,"x",null]}""");
        var notAList = await editor.Http.PostJsonAsync("/api/addresses:batchDelete", new { ids = "1,2" });

        Assert.Equal((HttpStatusCode.OK, 2), (status, body.Int("deleted")));
        Assert.Equal(0L, await CountAsync($"id IN ({a}, {b})"));
        Assert.Equal(1L, await CountAsync($"id = {c}"));
        Assert.Equal((HttpStatusCode.BadRequest, "ids must be a list"), (notAList.Status, notAList.Body.Error()));
    }

    [Fact]
    public async Task Response_shapes_match_the_snapshots()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 11, 26, 10, 28, 0, 123, TimeSpan.Zero));
        var app = map.StartMarkers(new MapHostOptions { Clock = clock });
        var root = await app.LoginAsync();
        const string tag = "Snapshot point";

        var (_, created) = await root.Http.PostJsonAsync("/api/addresses", new
        {
            address = tag,
            lat = 53.9,
            lon = 27.56,
            description = "у подъезда",
            status = "Локальный доступ",
            link = "https://example.org/cam",
            category = "Видеонаблюдение",
        });
        var (_, bare) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}");
        var (_, paged) = await root.Http.GetJsonAsync($"/api/addresses?q={tag}&page=1");

        Snap.Match(created, "create", "id");
        Snap.Match(bare, "list", "[*].id");
        Snap.Match(paged, "page", "items[*].id");
    }
}
