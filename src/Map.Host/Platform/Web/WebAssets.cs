using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Map.Host.Platform.Web;

/// <summary>One browser file of a module, read once from its assembly.</summary>
internal sealed record WebAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// Every module's embedded <c>web/…</c> files (see <see cref="WebAssetSource"/>), loaded at start-up and kept in
/// memory: a few hundred kilobytes, served the same way in tests, <c>dotnet run</c>, a publish folder and the image.
/// </summary>
internal sealed class WebAssets
{
    private const string Prefix = "web/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly FrozenDictionary<string, WebAsset> assets;

    public WebAssets(IEnumerable<WebAssetSource> sources)
    {
        var all = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            foreach (var name in source.Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                using var stream = source.Assembly.GetManifestResourceStream(name)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var content = copy.ToArray();
                var path = name[Prefix.Length..].Replace('\\', '/');
                if (!ContentTypes.TryGetContentType(path, out var type))
                {
                    type = "application/octet-stream";
                }

                if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "application/json")
                {
                    type += "; charset=utf-8";
                }

                var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
                all[Key(source.Module, path)] = new WebAsset(content, type, etag);
            }
        }

        assets = all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public WebAsset? Find(string module, string path) => assets.GetValueOrDefault(Key(module, path));

    /// <summary>The file's text (page templates and string tables), or null.</summary>
    public string? Text(string module, string path) =>
        Find(module, path) is { } asset ? System.Text.Encoding.UTF8.GetString(asset.Content) : null;

    private static string Key(string module, string path) => module + "/" + path;
}

internal static class WebAssetEndpoints
{
    /// <summary>
    /// <c>GET /assets/{module}/{path}</c>: a module's scripts, styles, images and vendored libraries (public: no
    /// secrets live there). Page templates (<c>.html</c>) are only served through their page route. Browsers
    /// revalidate with the ETag, so a deploy is picked up at once and an unchanged file costs a 304.
    /// </summary>
    public static void MapWebAssets(this IEndpointRouteBuilder app) =>
        app.MapMethods("/assets/{module}/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string module, string path, WebAssets assets) =>
            {
                if (path.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || assets.Find(module, path) is not { } asset)
                {
                    return Results.Json(new { error = "not found" }, statusCode: StatusCodes.Status404NotFound);
                }

                var headers = context.Response.Headers;
                headers.ETag = asset.ETag;
                headers.CacheControl = "no-cache";
                if (context.Request.Headers.IfNoneMatch.Any(v => v == asset.ETag))
                {
                    return Results.StatusCode(StatusCodes.Status304NotModified);
                }

                return Results.Bytes(asset.Content, asset.ContentType);
            })
            .AllowAnonymous()
            .WithSummary("Static files of the pages (scripts, styles, vendored libraries)");
}
