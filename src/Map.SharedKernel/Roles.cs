namespace Map.SharedKernel;

/// <summary>Admin roles, lowest to highest. The numeric value is the rank.</summary>
public enum AdminRole
{
    Viewer = 0,
    Editor = 1,
    Superadmin = 2,
}

public static class AdminRoles
{
    public const string Viewer = "viewer";
    public const string Editor = "editor";
    public const string Superadmin = "superadmin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Editor, Superadmin];

    public static bool TryParse(string? value, out AdminRole role)
    {
        switch (value)
        {
            case Viewer: role = AdminRole.Viewer; return true;
            case Editor: role = AdminRole.Editor; return true;
            case Superadmin: role = AdminRole.Superadmin; return true;
            default: role = AdminRole.Viewer; return false;
        }
    }

    public static string ToWire(this AdminRole role) => role switch
    {
        AdminRole.Editor => Editor,
        AdminRole.Superadmin => Superadmin,
        _ => Viewer,
    };
}

/// <summary>Authorization policy names shared by every module.</summary>
public static class MapPolicies
{
    /// <summary>An admin session with at least the viewer role.</summary>
    public const string Viewer = "admin:viewer";

    /// <summary>An admin session with at least the editor role.</summary>
    public const string Editor = "admin:editor";

    /// <summary>An admin session with the superadmin role.</summary>
    public const string Superadmin = "admin:superadmin";

    /// <summary>The Telegram bot's shared key (<c>X-API-KEY</c>).</summary>
    public const string Bot = "bot";

    /// <summary>An editor session, or else the bot key (e.g. chat sends).</summary>
    public const string EditorOrBot = "admin:editor|bot";

    /// <summary>A viewer session, or else the bot key (e.g. bot admin views).</summary>
    public const string ViewerOrBot = "admin:viewer|bot";

    /// <summary>
    /// A viewer session, or else the legacy bot recognised by <c>BOT_TRUSTED_NETWORKS</c> (no key); the bot key alone
    /// does not pass (chat history, decision 0070).
    /// </summary>
    public const string ViewerOrTrustedNetworkBot = "admin:viewer|bot-network";
}

/// <summary>Authentication scheme names.</summary>
public static class MapSchemes
{
    public const string AdminCookie = "admin-cookie";
    public const string BotKey = "bot-key";
}
