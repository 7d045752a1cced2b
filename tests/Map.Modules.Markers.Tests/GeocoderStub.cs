using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// A Nominatim-compatible search server on a free loopback port, started inside the test: answers
/// <c>/search?q=</c> from the hits a test registers and records every call. Tests never reach the internet.
/// </summary>
public sealed class GeocoderStub : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, object[]> answers = new(StringComparer.OrdinalIgnoreCase);

    private GeocoderStub(WebApplication app) => this.app = app;

    public ConcurrentQueue<HttpCall> Calls { get; } = new();

    /// <summary>When set, every search answers with this status and no hits.</summary>
    public HttpStatusCode? FailWith { get; set; }

    public string SearchUrl { get; private set; } = "";

    public static async Task<GeocoderStub> StartAsync()
    {
        GeocoderStub stub = null!;
        var (app, baseUrl) = await LocalHttpServer.StartAsync(app => app.MapGet("/search", (HttpContext context) =>
        {
            var query = context.Request.Query;
            stub.Calls.Enqueue(new HttpCall(
                query["q"].ToString(), query["format"].ToString(), query["limit"].ToString(), query["accept-language"].ToString(),
                context.Request.Headers.UserAgent.ToString()));
            if (stub.FailWith is { } status)
            {
                return Results.StatusCode((int)status);
            }

            var hits = stub.answers.TryGetValue(query["q"].ToString(), out var found) ? found : [];
            return Results.Text(JsonSerializer.Serialize(hits), "application/json");
        }));
        stub = new GeocoderStub(app) { SearchUrl = baseUrl + "/search" };
        return stub;
    }

    /// <summary>Registers hits for a query, in Nominatim's shape (lat/lon as strings).</summary>
    public void Answer(string q, params (string DisplayName, string Lat, string Lon)[] hits) =>
        answers[q] = [.. hits.Select(h => (object)new Dictionary<string, object> { ["display_name"] = h.DisplayName, ["lat"] = h.Lat, ["lon"] = h.Lon, ["place_id"] = 1 })];

    public int CallsFor(string q) => Calls.Count(c => string.Equals(c.Q, q, StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public sealed record HttpCall(string Q, string Format, string Limit, string Language, string UserAgent);
}
