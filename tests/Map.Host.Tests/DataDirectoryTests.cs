using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Host.Tests;

/// <summary>Issue 17 row 14: with default settings Map writes its files outside the content root (MAP_DATA_DIR).</summary>
public sealed class DataDirectoryTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    [Fact]
    public async Task With_default_settings_nothing_is_written_under_the_content_root()
    {
        var scratch = Directory.CreateTempSubdirectory("map-datadir-");
        var contentRoot = Directory.CreateDirectory(Path.Combine(scratch.FullName, "content-root"));
        var home = Directory.CreateDirectory(Path.Combine(scratch.FullName, "home"));
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["HOME"] = home.FullName,
                ["XDG_DATA_HOME"] = null,
                [DataDirectory.Variable] = null,
                ["UPLOAD_DIR"] = null,
                ["OFFLINE_GEOCODE_FILE"] = null,
                ["GEOCODE_URL"] = "",
            };
            await using (var process = await MapProcess.StartAsync(map.DatabaseUrl, settings, contentRoot.FullName))
            {
                using var client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = process.BaseAddress };
                var login = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
                var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!;

                // Rebuilding the offline geocoder writes its file (the write that used to land in src/Map.Host/data/).
                using var rebuild = new HttpRequestMessage(HttpMethod.Get, "/api/offline/geocode/stream");
                rebuild.Headers.Add("X-CSRF-Token", csrf);
                var stream = await client.SendAsync(rebuild);
                Assert.Contains("\"done\"", await stream.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Empty(contentRoot.EnumerateFileSystemInfos("*", SearchOption.AllDirectories));
            var expected = Directory.Exists(DataDirectory.SystemDefault)
                ? Path.Combine(DataDirectory.SystemDefault, "offline", "geocode.json")
                : Path.Combine(home.FullName, ".local", "share", "map", "offline", "geocode.json");
            Assert.True(File.Exists(expected), $"the offline file is in the data directory ({expected})");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
