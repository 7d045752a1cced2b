using System.Net;
using System.Text.Json;
using Map.SharedKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Markers.Tests;

public sealed class GeocodeTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    [Fact]
    public async Task Offline_hits_win_and_the_provider_is_not_called()
    {
        // Spec §8 case 14 (offline part).
        map.WriteOfflineGeocode("""[{"name":"Somewhere","display_name":"Somewhere nice","lat":"1.23","lon":"4.56"},{"address":"Other place","lat":5,"lon":6}]""");
        var root = await map.Markers.LoginAsync();

        var response = await root.Http.GetAsync("/api/geocode?q=some");
        var hits = await Http.ReadBodyAsync(response);
        var byAddress = (await root.Http.GetJsonAsync("/api/geocode?q=other%20PLACE&limit=5")).Body;

        var hit = Assert.Single(hits.EnumerateArray());
        Assert.Equal("Somewhere nice", hit.Str("display_name"));
        Assert.Equal("1.23", hit.Str("lat"));
        Assert.Equal(0, map.Geocoder.CallsFor("some"));
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.Equal(TimeSpan.FromSeconds(300), response.Headers.CacheControl.MaxAge);
        Assert.Equal(5, Assert.Single(byAddress.EnumerateArray()).GetProperty("lat").GetInt32());
    }

    [Fact]
    public async Task Without_offline_hits_the_provider_answer_is_passed_through_and_cached()
    {
        // Spec §8 case 14 (online part).
        var root = await map.Markers.LoginAsync();
        map.Geocoder.Answer("Kremlin", ("Kremlin, Moscow", "55.752", "37.617"), ("Kremlin, Kazan", "55.799", "49.106"));

        var (status, first) = await root.Http.GetJsonAsync("/api/geocode?q=Kremlin&limit=2&lang=en");
        var (_, second) = await root.Http.GetJsonAsync("/api/geocode?q=kremlin&limit=2&lang=en");
        var (_, empty) = await root.Http.GetJsonAsync("/api/geocode?q=%20%20");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Kremlin, Moscow", "Kremlin, Kazan"], first.EnumerateArray().Select(h => h.Str("display_name")));
        Assert.Equal(JsonValueKind.String, first[0].GetProperty("lat").ValueKind);
        Assert.Equal(first.GetRawText(), second.GetRawText());
        var call = Assert.Single(map.Geocoder.Calls, c => c.Q == "Kremlin");
        Assert.Equal(("json", "2", "en", "map-geocode"), (call.Format, call.Limit, call.Language, call.UserAgent));
        Assert.Empty(empty.EnumerateArray());
    }

    [Fact]
    public async Task Limit_and_language_fall_back_to_their_defaults()
    {
        var root = await map.Markers.LoginAsync();

        await root.Http.GetJsonAsync("/api/geocode?q=Defaults%20street&limit=abc");
        await root.Http.GetJsonAsync("/api/geocode?q=Huge%20limit&limit=100000");

        var call = Assert.Single(map.Geocoder.Calls, c => c.Q == "Defaults street");
        Assert.Equal(("1", "ru"), (call.Limit, call.Language));
        Assert.Equal("50", Assert.Single(map.Geocoder.Calls, c => c.Q == "Huge limit").Limit);
    }

    [Fact]
    public async Task Provider_errors_answer_an_empty_list_and_are_not_cached()
    {
        var root = await map.Markers.LoginAsync();
        map.Geocoder.FailWith = HttpStatusCode.TooManyRequests;
        try
        {
            var (status, hits) = await root.Http.GetJsonAsync("/api/geocode?q=Flaky");
            map.Geocoder.FailWith = null;
            map.Geocoder.Answer("Flaky", ("Flaky road", "1", "2"));
            var (_, retry) = await root.Http.GetJsonAsync("/api/geocode?q=Flaky");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Empty(hits.EnumerateArray());
            Assert.Single(retry.EnumerateArray());
            Assert.Equal(2, map.Geocoder.CallsFor("Flaky"));
        }
        finally
        {
            map.Geocoder.FailWith = null;
        }
    }

    [Fact]
    public async Task Geocoding_needs_a_viewer_session()
    {
        var (status, body) = await map.Markers.CreateBrowser().GetJsonAsync("/api/geocode?q=x");

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (status, body.Error()));
    }

    [Fact]
    public async Task Editors_list_and_delete_offline_entries_and_the_file()
    {
        map.WriteOfflineGeocode("""[{"display_name":"A","lat":1,"lon":1},{"address":"B only","lat":"2","lon":"2"},{"display_name":"C","lat":3,"lon":3}]""");
        var root = await map.Markers.LoginAsync();
        await map.CreateAdminAsync("geo-viewer", AdminRole.Viewer);
        var viewer = await map.Markers.LoginAsync("geo-viewer", "password-1234");

        var (_, files) = await root.Http.GetJsonAsync("/api/offline/geocode/files");
        var (_, entries) = await root.Http.GetJsonAsync("/api/offline/geocode/entries");
        var (deleteStatus, deleted) = await root.Http.DeleteJsonAsync("/api/offline/geocode/entries/1");
        var (_, after) = await root.Http.GetJsonAsync("/api/offline/geocode/entries");
        var missing = await root.Http.DeleteJsonAsync("/api/offline/geocode/entries/99");
        var viewerList = await viewer.Http.GetJsonAsync("/api/offline/geocode/entries");
        var wipe = await root.Http.PostJsonAsync("/api/offline/geocode:delete");
        var tooSoon = await root.Http.PostJsonAsync("/api/offline/geocode:delete");
        var (_, gone) = await root.Http.GetJsonAsync("/api/offline/geocode/files");

        Assert.Equal(["geocode.json"], files.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(3, files.Int("entries"));
        Assert.True(files.Int("size_bytes") > 0);
        Assert.EndsWith("Z", files.Str("modified"), StringComparison.Ordinal);
        Assert.Equal([(0, "A"), (1, "B only"), (2, "C")], entries.GetProperty("entries").EnumerateArray().Select(e => (e.Int("id"), e.Str("display_name")!)));
        Assert.Equal((HttpStatusCode.OK, "ok", 2), (deleteStatus, deleted.Str("status"), deleted.Int("remaining")));
        Assert.Equal(["A", "C"], after.GetProperty("entries").EnumerateArray().Select(e => e.Str("display_name")));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(HttpStatusCode.Forbidden, viewerList.Status);
        Assert.Equal(HttpStatusCode.NoContent, wipe.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.Status);
        Assert.Equal("too many requests", tooSoon.Body.Error());
        Assert.InRange(tooSoon.Body.Int("retry_after"), 1, 2);
        Assert.False(File.Exists(map.OfflineGeocodeFile));
        Assert.Empty(gone.GetProperty("files").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("entries").ValueKind);
        Assert.Equal(2L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action IN ('offline.geocode_delete_entry', 'offline.geocode_delete') AND actor = 'root'"));
    }

    [Fact]
    public async Task The_stream_rebuilds_the_file_from_the_addresses()
    {
        var root = await map.Markers.LoginAsync();
        var name = "Rebuilt " + Guid.NewGuid().ToString("N")[..6];
        await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 53.1, lon = 27.1 });
        await map.ExecuteAsync(
            "INSERT INTO markers.addresses (name, name_key, created_at, updated_at) VALUES ('Legacy without coordinates', 'legacy without coordinates', now(), now())");
        map.Geocoder.Answer("Legacy without coordinates", ("Legacy, Minsk", "53.2", "27.2"));

        var response = await root.Http.GetAsync("/api/offline/geocode/stream");
        var text = await response.Content.ReadAsStringAsync();
        var tooSoon = await root.Http.GetAsync("/api/offline/geocode/stream");
        var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(f => JsonDocument.Parse(f["data: ".Length..]).RootElement).ToList();
        var file = JsonDocument.Parse(File.ReadAllText(map.OfflineGeocodeFile)).RootElement;

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("progress", frames[0].Str("type"));
        Assert.Equal(100, frames[^2].Int("pct"));
        Assert.Equal("done", frames[^1].Str("type"));
        Assert.Contains(file.EnumerateArray(), e => e.Str("display_name") == name && e.GetProperty("lat").GetDouble() == 53.1);
        Assert.Contains(file.EnumerateArray(), e => e.Str("display_name") == "Legacy without coordinates" && e.GetProperty("lat").GetDouble() == 53.2);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.StatusCode);
    }

    [Fact]
    public async Task The_stream_changes_state_so_it_needs_the_csrf_header_although_it_is_a_get()
    {
        // Issue 17 row 9: a cross-site GET (an <img> or a link) must not rebuild the file and write an audit row.
        var editor = await map.Markers.LoginAsync(sendCsrf: false);
        var audited = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log");
        var before = File.Exists(map.OfflineGeocodeFile) ? File.GetLastWriteTimeUtc(map.OfflineGeocodeFile) : (DateTime?)null;

        var refused = await editor.Http.GetAsync("/api/offline/geocode/stream");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await refused.Content.ReadAsStringAsync());
        Assert.Equal(audited, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log"));
        Assert.Equal(before, File.Exists(map.OfflineGeocodeFile) ? File.GetLastWriteTimeUtc(map.OfflineGeocodeFile) : null);

        editor.Http.DefaultRequestHeaders.Add("X-CSRF-Token", editor.CsrfToken);
        var accepted = await editor.Http.GetAsync("/api/offline/geocode/stream");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("text/event-stream", accepted.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_hourly_purge_drops_expired_answers_only()
    {
        await map.ExecuteAsync(
            "INSERT INTO markers.geocode_cache (key, hits, expires_at) VALUES ('ru|1|expired', '[]', now() - interval '1 minute'), ('ru|1|fresh', '[]', now() + interval '1 hour')");
        await using var scope = map.Markers.Services.CreateAsyncScope();
        var job = scope.ServiceProvider.GetRequiredService<Geocoding.GeocodeCachePurge>();

        await job.RunAsync(CancellationToken.None);

        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.geocode_cache WHERE key = 'ru|1|expired'"));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM markers.geocode_cache WHERE key = 'ru|1|fresh'"));
    }
}
