namespace Map.Host.Platform.Web;

/// <summary>Settings of the browser pages.</summary>
internal sealed record WebSettings(string TileUrl, string TileAttribution, string Language)
{
    public const string DefaultTileUrl = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

    /// <summary>
    /// <c>MAP_TILE_URL</c>: the base-map tile template (default OpenStreetMap); set but empty means no base map
    /// (air-gapped sites: a plain background, the points still work). <c>MAP_TILE_ATTRIBUTION</c> is shown under it.
    /// </summary>
    public static WebSettings Load(IConfiguration config)
    {
        var raw = config["MAP_TILE_URL"];
        var tileUrl = raw is null ? DefaultTileUrl : raw.Trim();
        if (tileUrl.Length > 0)
        {
            var probe = tileUrl.Replace("{s}", "a", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || !tileUrl.Contains("{z}", StringComparison.Ordinal) || !tileUrl.Contains("{x}", StringComparison.Ordinal) || !tileUrl.Contains("{y}", StringComparison.Ordinal))
            {
                throw new ConfigurationException($"MAP_TILE_URL must be an http(s) URL with {{z}}, {{x}} and {{y}}, such as {DefaultTileUrl}, or empty for no base map (got '{tileUrl}').");
            }
        }

        var attribution = EnvironmentSettings.Optional(config, "MAP_TILE_ATTRIBUTION")
            ?? (tileUrl.Contains("openstreetmap.org", StringComparison.OrdinalIgnoreCase) ? "© OpenStreetMap" : "");
        return new WebSettings(tileUrl, attribution, "ru");
    }

    /// <summary>The origin (scheme, host, port) tiles come from, for the CSP's <c>img-src</c>; <c>{s}</c> becomes <c>*</c>.</summary>
    public string? TileOrigin
    {
        get
        {
            if (TileUrl.Length == 0)
            {
                return null;
            }

            var probe = new Uri(TileUrl.Replace("{s}", "a", StringComparison.Ordinal));
            var host = TileUrl.Contains("{s}.", StringComparison.Ordinal) ? "*." + probe.Host[(probe.Host.IndexOf('.', StringComparison.Ordinal) + 1)..] : probe.Host;
            return probe.IsDefaultPort ? $"{probe.Scheme}://{host}" : $"{probe.Scheme}://{host}:{probe.Port}";
        }
    }
}
