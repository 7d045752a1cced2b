using Map.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// A test class's world (own database and Redis prefix) whose default instance allows many logins: chat tests sign in
/// as several admins per class, and the login limit (10 per minute per IP) is not what they test.
/// </summary>
public class ChatTestContext : MapTestContext
{
    public static readonly IReadOnlyDictionary<string, string?> RelaxedLogin = new Dictionary<string, string?>
    {
        ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000",
    };

    private MapInstance? chat;

    /// <summary>The class's web instance.</summary>
    public MapInstance Chat => chat ??= StartInstance(new MapHostOptions { Settings = RelaxedLogin });
}
