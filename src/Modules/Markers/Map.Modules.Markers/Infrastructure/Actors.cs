using System.Security.Claims;

namespace Map.Modules.Markers.Infrastructure;

internal static class Actors
{
    public const string Bot = "bot";

    /// <summary>The name recorded in <c>pending_history.actor</c>: the admin's username, <c>bot</c>, or a Telegram user.</summary>
    public static string Name(ClaimsPrincipal user) => user.AdminUsername() ?? (user.IsBot() ? Bot : "anonymous");

    public static string Telegram(string? userId) => userId is null ? Bot : $"telegram:{userId}";
}
