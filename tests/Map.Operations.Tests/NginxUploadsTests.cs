using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Operations.Tests;

/// <summary>
/// deploy/nginx.conf's caching of <c>/uploads/</c>, in front of a stand-in for the app's upload endpoint (the Markers
/// module serves the files to viewers): a file the app serves may be kept by the browser, privately, for 30 days;
/// refusals, misses and the app's own cache policy pass through untouched.
/// </summary>
public sealed class NginxUploadsTests : IAsyncLifetime
{
    private WebApplication upstream = null!;
    private NginxProcess nginx = null!;

    public async Task InitializeAsync()
    {
        (upstream, var baseUrl) = await LocalHttpServer.StartAsync(upstream =>
        {
            upstream.MapGet("/uploads/photo.jpg", () => Results.Bytes([0xFF, 0xD8, 0xFF], "image/jpeg"));
            upstream.MapGet("/uploads/own-policy.jpg", (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes([0xFF, 0xD8, 0xFF], "image/jpeg");
            });
            upstream.MapGet("/uploads/secret.jpg", (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return Results.Json(new { error = "forbidden" }, statusCode: StatusCodes.Status403Forbidden);
            });
        });
        nginx = await NginxProcess.StartAsync(new Uri(baseUrl).Authority);
    }

    public async Task DisposeAsync()
    {
        if (nginx is not null)
        {
            await nginx.DisposeAsync();
        }

        await upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("/uploads/photo.jpg", HttpStatusCode.OK, "private, max-age=2592000, immutable")]
    [InlineData("/uploads/own-policy.jpg", HttpStatusCode.OK, "no-cache")]
    [InlineData("/uploads/secret.jpg", HttpStatusCode.Forbidden, "no-store")]
    [InlineData("/uploads/missing.jpg", HttpStatusCode.NotFound, null)]
    public async Task Served_uploads_are_cached_privately_by_the_browser_and_nothing_else_is(string path, HttpStatusCode status, string? cacheControl)
    {
        using var client = Network.ClientFrom("127.0.0.5", nginx.BaseAddress);

        var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(cacheControl, response.Headers.NonValidated.TryGetValues("Cache-Control", out var raw) ? raw.ToString() : null);
    }
}
