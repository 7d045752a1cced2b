using System.Net;
using Map.Testing;

namespace Map.Host.Tests;

public sealed class SecurityHeaderTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/me")]
    [InlineData("/api/does-not-exist")]
    public async Task Every_response_carries_the_security_headers_and_a_request_id(string path)
    {
        var response = await map.App.CreateBrowser().GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-ID").Single()));
    }

    [Fact]
    public async Task A_sane_client_request_id_is_echoed_and_a_forged_one_replaced()
    {
        var client = map.App.CreateBrowser();
        using var good = new HttpRequestMessage(HttpMethod.Get, "/health");
        good.Headers.Add("X-Request-ID", "abc-123");
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/health");
        bad.Headers.TryAddWithoutValidation("X-Request-ID", "evil\"value with spaces");

        var echoed = (await client.SendAsync(good)).Headers.GetValues("X-Request-ID").Single();
        var replaced = (await client.SendAsync(bad)).Headers.GetValues("X-Request-ID").Single();

        Assert.Equal("abc-123", echoed);
        Assert.NotEqual("evil\"value with spaces", replaced);
    }

    [Fact]
    public async Task Unknown_api_route_answers_json_404()
    {
        var response = await map.App.CreateBrowser().GetAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"error":"not found"}""", await response.Content.ReadAsStringAsync());
    }
}
