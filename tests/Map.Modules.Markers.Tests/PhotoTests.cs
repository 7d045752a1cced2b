using System.Net;
using System.Net.Http.Headers;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

public sealed class PhotoTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static MultipartFormDataContent Form(object fields, byte[]? photo, string part = "photo", string fileName = "p.png")
    {
        var form = new MultipartFormDataContent();
        foreach (var property in fields.GetType().GetProperties())
        {
            form.Add(new StringContent(Convert.ToString(property.GetValue(fields), System.Globalization.CultureInfo.InvariantCulture)!), property.Name);
        }

        if (photo is not null)
        {
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, part, fileName);
        }

        return form;
    }

    private string[] StoredFiles() => Directory.Exists(map.UploadDir) ? [.. Directory.GetFiles(map.UploadDir).Select(f => Path.GetFileName(f))] : [];

    [Fact]
    public async Task A_multipart_create_stores_the_photo_and_viewers_fetch_it_on_both_paths()
    {
        var root = await map.Markers.LoginAsync();
        await map.CreateAdminAsync("photo-viewer", AdminRole.Viewer);
        var viewer = await map.Markers.LoginAsync("photo-viewer", "password-1234");
        var jpeg = Images.Jpeg(300);

        var (status, body) = await root.Http.PostJsonAsync("/api/addresses", Form(new { address = "With photo", lat = 53.9, lon = 27.56 }, jpeg, part: "file", fileName: "evil.php"));
        var photo = await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", body.Int("id"));
        var uploads = await viewer.Http.GetAsync($"/uploads/{photo}");
        var api = await viewer.Http.GetAsync($"/api/uploads/{photo}");
        var anonymous = await map.Markers.CreateBrowser().GetAsync($"/uploads/{photo}");
        var traversal = await viewer.Http.GetAsync("/api/uploads/..%2F..%2Fappsettings.json");
        var missing = await viewer.Http.GetAsync($"/uploads/{new string('a', 32)}.png");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("^[0-9a-f]{32}\\.jpg$", photo);
        Assert.Equal(jpeg, await uploads.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", uploads.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Form_fields_are_read_without_a_file_part()
    {
        var root = await map.Markers.LoginAsync();

        var (status, body) = await root.Http.PostJsonAsync("/api/addresses", Form(new { name = "Form only", lat = "53.9", lon = "27.56", description = "d" }, null));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("d", await map.ScalarAsync<string>("SELECT notes FROM markers.addresses WHERE id = $1", body.Int("id")));
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_400_and_nothing_is_stored()
    {
        var root = await map.Markers.LoginAsync();
        var files = StoredFiles();
        var rows = await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses");

        var (status, body) = await root.Http.PostJsonAsync("/api/addresses", Form(new { name = "Fake", lat = 1, lon = 1 }, Images.Text, fileName: "photo.png"));

        Assert.Equal((HttpStatusCode.BadRequest, "photo must be a PNG, JPEG or GIF image"), (status, body.Error()));
        Assert.Equal(rows, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses"));
        Assert.Equal(files, StoredFiles());
    }

    [Fact]
    public async Task A_photo_over_the_size_limit_is_413_and_nothing_is_stored()
    {
        var app = map.StartMarkers(new MapHostOptions { Settings = new Dictionary<string, string?> { ["UPLOAD_MAX_MB"] = "1" } });
        var root = await app.LoginAsync();
        var files = StoredFiles();
        var rows = await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses");

        var (status, body) = await root.Http.PostJsonAsync("/api/addresses", Form(new { name = "Huge", lat = 1, lon = 1 }, Images.Png((1024 * 1024) + 1)));

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "photo too large"), (status, body.Error()));
        Assert.Equal(rows, await map.ScalarAsync<long>("SELECT count(*) FROM markers.addresses"));
        Assert.Equal(files, StoredFiles());
    }

    [Fact]
    public async Task Update_replaces_or_removes_the_photo_and_deletes_the_old_file()
    {
        var root = await map.Markers.LoginAsync();
        var (_, body) = await root.Http.PostJsonAsync("/api/addresses", Form(new { name = "Swap", lat = 1, lon = 1 }, Images.Png()));
        var id = body.Int("id");
        var first = (await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", id))!;

        var replace = await root.Http.PutJsonAsync($"/api/addresses/{id}", Form(new { notes = "new photo" }, Images.Jpeg()));
        var second = (await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", id))!;
        var remove = await root.Http.PutJsonAsync($"/api/addresses/{id}", new { remove_photo = true });

        Assert.Equal(HttpStatusCode.OK, replace.Status);
        Assert.NotEqual(first, second);
        Assert.False(File.Exists(Path.Combine(map.UploadDir, first)));
        Assert.Equal(HttpStatusCode.OK, remove.Status);
        Assert.Null(await map.ScalarAsync<string>("SELECT photo FROM markers.addresses WHERE id = $1", id));
        Assert.False(File.Exists(Path.Combine(map.UploadDir, second)));
    }
}
