using Map.Modules.Duty.Admin;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Duty.Tests;

/// <summary>The display-point hysteresis of duty spec §4.6 with the predecessor's distance bug fixed (decision 0081).</summary>
public sealed class UnitStatusTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DutyOptions Options = new();

    private static TrackPoint Point(int secondsAgo, double lat, double? accuracy, string kind = "app", params string[] flags) =>
        new(secondsAgo, Now.AddSeconds(-secondsAgo), lat, 27.56, accuracy, kind, null, null, flags);

    [Fact]
    public void Stable_gnss_wins_over_a_fresh_estimate()
    {
        var estimate = Point(30, 53.95, 40, "est");
        var gnss1 = Point(5, 53.90000, 8);
        var gnss2 = Point(15, 53.90010, 8); // ~11 m apart, both within 25 s
        Assert.Same(gnss1, UnitStatus.DisplayPoint([gnss1, gnss2, estimate], Now, Options));
    }

    [Fact]
    public void Unstable_or_single_gnss_keeps_the_fresh_estimate()
    {
        var estimate = Point(30, 53.95, 40, "est");
        Assert.Same(estimate, UnitStatus.DisplayPoint([Point(5, 53.90, 8), Point(15, 53.91, 8), estimate], Now, Options)); // ~1.1 km apart
        Assert.Same(estimate, UnitStatus.DisplayPoint([Point(5, 53.90, 8), Point(40, 53.90, 8), estimate], Now, Options)); // one in window
        Assert.Same(estimate, UnitStatus.DisplayPoint([Point(5, 53.90, 80), Point(10, 53.90, 8), estimate], Now, Options)); // inaccurate
        Assert.Same(estimate, UnitStatus.DisplayPoint([Point(5, 53.90, 8, "app", "jump"), Point(10, 53.90, 8), estimate], Now, Options)); // jump
    }

    [Fact]
    public void Without_a_fresh_estimate_the_newest_good_gnss_then_the_newest_point_is_shown()
    {
        var stale = Point(200, 53.95, 40, "est");
        var good = Point(20, 53.90, 8);
        Assert.Same(good, UnitStatus.DisplayPoint([Point(5, 53.91, 500), good, stale], Now, Options));
        var bad = Point(5, 53.91, null);
        Assert.Same(bad, UnitStatus.DisplayPoint([bad, Point(10, 53.9, 0)], Now, Options));
        Assert.Null(UnitStatus.DisplayPoint([], Now, Options));
    }

    [Theory]
    [InlineData(10, "on_air", "point")]
    [InlineData(300, "no_signal", "stale")]
    [InlineData(900, "offline", "offline")]
    public void Device_status_follows_the_last_update_age(int age, string code, string basis)
    {
        var status = UnitStatus.DeviceStatus(Now.AddSeconds(-age), null, null, Now, Options);
        Assert.Equal(code, status.Code);
        Assert.Equal(basis, status.Basis);
        Assert.Equal(age, status.LastUpdateAgeSec);
        Assert.Equal("none", UnitStatus.DeviceStatus(null, null, null, Now, Options).Basis);
        Assert.Equal("heartbeat", UnitStatus.DeviceStatus(Now.AddSeconds(-500), Now.AddSeconds(-5), null, Now, Options).Basis);
    }
}
