using System.Globalization;
using System.Text.Json;
using Map.SharedKernel;

namespace Map.Host.Tests;

/// <summary>
/// The wire's timestamp text is part of stored hashes (the audit chain) and of what clients parse, so the fast formatter
/// must give exactly what the custom format <c>yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'</c> gave.
/// </summary>
public sealed class WireJsonTests
{
    private static string Reference(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    public static TheoryData<long> EdgeTicks => new()
    {
        DateTime.UnixEpoch.Ticks,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks,
        new DateTime(2025, 11, 26, 10, 28, 0, 120, DateTimeKind.Utc).Ticks,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks + 1,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks + 9,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks + 10,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks + 1_234_560,
        new DateTime(2025, 11, 26, 10, 28, 0, DateTimeKind.Utc).Ticks + 9_999_999,
        DateTime.MinValue.Ticks,
        DateTime.MaxValue.Ticks,
    };

    [Theory]
    [MemberData(nameof(EdgeTicks))]
    public void Format_matches_six_fraction_digits_without_trailing_zeros(long ticks)
    {
        var utc = new DateTime(ticks, DateTimeKind.Utc);
        Assert.Equal(Reference(utc), WireJson.Format(utc));
        Assert.Equal(Reference(utc), WireJson.Format(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)));
    }

    [Fact]
    public void Format_matches_the_reference_for_random_instants_and_in_json()
    {
        var random = new Random(20261207);
        var span = DateTime.MaxValue.Ticks - DateTime.MinValue.Ticks;
        for (var i = 0; i < 20_000; i++)
        {
            var utc = new DateTime(random.NextInt64(span), DateTimeKind.Utc);
            var expected = Reference(utc);
            Assert.Equal(expected, WireJson.Format(utc));
            Assert.Equal($"\"{expected}\"", JsonSerializer.Serialize(utc, WireJson.Options));
        }
    }

    [Fact]
    public void Local_times_and_offsets_are_written_in_utc()
    {
        var utc = new DateTime(2026, 3, 29, 1, 30, 15, 250, DateTimeKind.Utc);
        Assert.Equal("2026-03-29T01:30:15.25Z", WireJson.Format(utc.ToLocalTime()));
        Assert.Equal("\"2026-03-29T01:30:15.25Z\"", JsonSerializer.Serialize(new DateTimeOffset(utc).ToOffset(TimeSpan.FromHours(3)), WireJson.Options));
        Assert.Equal("2026-03-29T01:30:15.25Z", WireJson.Format(new DateTimeOffset(utc).ToOffset(TimeSpan.FromHours(-5))));
    }
}
