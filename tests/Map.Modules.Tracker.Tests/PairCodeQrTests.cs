using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// <c>POST /api/tracker/admin/pair-code/qr</c>, the QR of the service page's "Выдать код" dialog: an SVG for exactly six
/// digits, for editors only, with the code in the body.
/// </summary>
public sealed class PairCodeQrTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    [Fact]
    public async Task An_editor_gets_the_svg_of_a_six_digit_code_and_anything_else_is_refused()
    {
        var admin = await map.AdminAsync();
        var code = await admin.IssueCodeAsync("QR");
        var response = await admin.Http.PostAsJsonAsync("/api/tracker/admin/pair-code/qr", new { code });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        var svg = await response.Content.ReadAsStringAsync();
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);

        foreach (var body in (object[])[new { code = "12345" }, new { code = "1234567" }, new { code = "12345a" }, new { code = 123456 }, new { }])
        {
            await TrackerApi.ExpectErrorAsync(await admin.Http.PostAsJsonAsync("/api/tracker/admin/pair-code/qr", body), HttpStatusCode.BadRequest, "bad_request");
        }

        await map.CreateAdminAsync("qr.viewer", AdminRole.Viewer, "viewer-password-1");
        var viewer = await map.Tracker.LoginAsync("qr.viewer", "viewer-password-1");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.PostAsJsonAsync("/api/tracker/admin/pair-code/qr", new { code })).StatusCode);
        var withoutCsrf = await map.Tracker.LoginAsync(sendCsrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, (await withoutCsrf.Http.PostAsJsonAsync("/api/tracker/admin/pair-code/qr", new { code })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await map.Tracker.CreateBot().PostAsJsonAsync("/api/tracker/admin/pair-code/qr", new { code })).StatusCode);
    }
}
