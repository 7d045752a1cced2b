using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// A test class's world for Markers: the class database and Redis prefix (<see cref="MapTestContext"/>), its own upload
/// folder and offline geocode file, and a local geocoder stub as <c>GEOCODE_URL</c>.
/// </summary>
public class MarkersContext : MapTestContext
{
    public const string TelegramBotToken = "123456:test-telegram-token";

    private MapInstance? markers;

    public GeocoderStub Geocoder { get; private set; } = null!;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "map-markers-tests", Guid.NewGuid().ToString("N"));

    public string UploadDir => Path.Combine(Folder, "uploads");

    public string OfflineGeocodeFile => Path.Combine(Folder, "offline", "geocode.json");

    /// <summary>A web instance configured for Markers tests (use instead of <see cref="MapTestContext.App"/>).</summary>
    public MapInstance Markers => markers ??= StartMarkers();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Directory.CreateDirectory(UploadDir);
        Geocoder = await GeocoderStub.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Geocoder.DisposeAsync();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    /// <summary>The settings every Markers test instance gets, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["UPLOAD_DIR"] = UploadDir,
            ["OFFLINE_GEOCODE_FILE"] = OfflineGeocodeFile,
            ["GEOCODE_URL"] = Geocoder.SearchUrl,
            ["GEOCODE_MIN_INTERVAL_MS"] = "0",
            ["TELEGRAM_BOT_TOKEN"] = TelegramBotToken,
            ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_BOT_MARKERS_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_BOT_STATUS_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_BOT_CANCEL_PER_MINUTE"] = "100000",
            ["RATE_LIMIT_BOT_MYREQ_PER_MINUTE"] = "100000",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public MapInstance StartMarkers(MapHostOptions? options = null)
    {
        options ??= new MapHostOptions();
        return StartInstance(options with { Settings = Settings(options.Settings) });
    }

    /// <summary>Writes the offline geocode file (a JSON array).</summary>
    public void WriteOfflineGeocode(string json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(OfflineGeocodeFile)!);
        File.WriteAllText(OfflineGeocodeFile, json);
    }

    /// <summary>Creates a zone through the API as root and returns its id.</summary>
    public async Task<int> CreateZoneAsync(AdminClient superadmin, double latMin, double lonMin, double latMax, double lonMax, string color = "#ff0000")
    {
        var response = await superadmin.Http.PostAsJsonAsync("/zones", new
        {
            description = $"zone {latMin},{lonMin}",
            color,
            icon = "beer",
            geometry = new
            {
                latlngs = new[]
                {
                    new { lat = latMin, lng = lonMin }, new { lat = latMin, lng = lonMax },
                    new { lat = latMax, lng = lonMax }, new { lat = latMax, lng = lonMin },
                },
            },
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    /// <summary>Mini App initData signed with the test bot token, as Telegram would sign it.</summary>
    public static string SignInitData(string userJson, DateTimeOffset authDate, string token = TelegramBotToken)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["auth_date"] = authDate.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["query_id"] = "AAH-test",
            ["user"] = userJson,
        };
        var dataCheck = string.Join('\n', fields.Select(f => $"{f.Key}={f.Value}"));
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes("WebAppData"), Encoding.UTF8.GetBytes(token));
        var hash = Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(dataCheck)));
        return string.Join('&', fields.Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")) + "&hash=" + hash;
    }
}
