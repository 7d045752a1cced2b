using System.Security.Claims;

namespace Map.SharedKernel;

/// <summary>Claim types carried by Map principals.</summary>
public static class MapClaims
{
    public const string AdminId = "map:admin_id";
    public const string Username = ClaimTypes.Name;
    public const string Role = ClaimTypes.Role;
    public const string CsrfToken = "map:csrf";
    public const string SessionId = "map:sid";
    public const string AuthKind = "map:auth";

    public const string AuthKindAdmin = "admin";
    public const string AuthKindBot = "bot";

    /// <summary>On a bot identity: how it was recognised (<see cref="BotViaKey"/> or <see cref="BotViaTrustedNetwork"/>).</summary>
    public const string BotVia = "map:bot_via";

    public const string BotViaKey = "key";
    public const string BotViaTrustedNetwork = "trusted_network";
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>True when the principal is an admin signed in with a session cookie.</summary>
    public static bool IsAdmin(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(MapClaims.AuthKind) == MapClaims.AuthKindAdmin;

    public static bool IsBot(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(MapClaims.AuthKind) == MapClaims.AuthKindBot;

    public static int? AdminId(this ClaimsPrincipal user) =>
        user.IsAdmin() && int.TryParse(user.FindFirstValue(MapClaims.AdminId), out var id) ? id : null;

    public static string? AdminUsername(this ClaimsPrincipal user) =>
        user.IsAdmin() ? user.FindFirstValue(MapClaims.Username) : null;

    public static AdminRole? AdminRole(this ClaimsPrincipal user) =>
        user.IsAdmin() && AdminRoles.TryParse(user.FindFirstValue(MapClaims.Role), out var role) ? role : null;

    public static bool HasAdminRole(this ClaimsPrincipal user, AdminRole minimum) =>
        user.AdminRole() is { } role && role >= minimum;
}
