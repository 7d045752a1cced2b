using System.Text.Json;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>The provider's call spacing, on a database of its own (the slot row is shared by every instance of it).</summary>
public sealed class GeocodeThrottleTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    [Fact]
    public async Task Calls_are_spaced_across_instances_and_a_caller_too_far_back_gets_nothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?> { ["GEOCODE_MIN_INTERVAL_MS"] = "6000" };
        var a = map.StartMarkers(new MapHostOptions { Clock = clock, Settings = settings });
        var b = map.StartMarkers(new MapHostOptions { Clock = clock, Settings = settings });
        var rootA = await a.LoginAsync();
        var rootB = await b.LoginAsync();
        foreach (var q in new[] { "one", "two", "three" })
        {
            map.Geocoder.Answer(q, (q, "1", "1"));
        }

        // Three callers, two instances: slots at +0 s, +6 s and +12 s; the last is beyond the 10 s wait limit.
        var calls = new[]
        {
            rootA.Http.GetJsonAsync("/api/geocode?q=one"),
            rootB.Http.GetJsonAsync("/api/geocode?q=two"),
            rootA.Http.GetJsonAsync("/api/geocode?q=three"),
        };

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(calls.Count(c => c.IsCompleted) == 2)));
        Assert.Single(map.Geocoder.Calls);
        var refused = Assert.Single(calls, c => c.IsCompleted && c.Result.Body.GetArrayLength() == 0);
        clock.Advance(TimeSpan.FromSeconds(6));
        await Task.WhenAll(calls);
        Assert.Equal(2, map.Geocoder.Calls.Count);
        Assert.Equal(2, calls.Count(c => c.Result.Body.ValueKind == JsonValueKind.Array && c.Result.Body.GetArrayLength() == 1));
        Assert.NotNull(refused);
    }
}
