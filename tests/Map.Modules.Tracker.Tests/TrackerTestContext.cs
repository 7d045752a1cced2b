using Map.Testing;

namespace Map.Modules.Tracker.Tests;

/// <summary>A test class's world whose instance allows many logins and pairings (not what most tests are about).</summary>
public class TrackerTestContext : MapTestContext
{
    public static readonly IReadOnlyDictionary<string, string?> Relaxed = new Dictionary<string, string?>
    {
        ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000",
        ["RATE_LIMIT_TRACKER_PAIR_IP_PER_MINUTE"] = "100000",
    };

    private MapInstance? tracker;
    private AdminClient? admin;

    public MapInstance Tracker => tracker ??= StartInstance(new MapHostOptions { Settings = Relaxed });

    public async Task<AdminClient> AdminAsync() => admin ??= await Tracker.LoginAsync();
}
