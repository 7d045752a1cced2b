using Map.Modules.Tracker.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat.EventChat;

/// <summary>Who calls the event chat: an admin (session username) or a tracker phone (its device public id).</summary>
internal sealed record Chat2Caller(string Type, string Id)
{
    public bool IsAdmin => Type == MemberTypes.Admin;

    public static Chat2Caller Admin(string username) => new(MemberTypes.Admin, username);

    public static Chat2Caller Tracker(string deviceId) => new(MemberTypes.Tracker, deviceId);
}

/// <summary>
/// The identity of an event-chat call (chat spec §3.0 ID2, without the §9.9 hole): an admin session, else a device
/// token (<c>X-DEVICE-TOKEN</c> or Bearer) resolved by the Tracker's <see cref="IDeviceTokens"/>. A missing, unknown or
/// revoked token, or an <c>X-Device-ID</c> that names another device than the token's, is 403 <c>forbidden</c>.
/// </summary>
internal static class Chat2Identity
{
    public const string DeviceIdHeader = "X-Device-ID";
    public const string DeviceTokenHeader = "X-DEVICE-TOKEN";

    public static async Task<Chat2Caller> ResolveAsync(HttpContext context) => (await ResolveWithUserAsync(context)).Caller;

    /// <summary>As <see cref="ResolveAsync"/>, with the Tracker user a phone's device belongs to (null for an admin).</summary>
    public static async Task<(Chat2Caller Caller, string? DeviceUserId)> ResolveWithUserAsync(HttpContext context)
    {
        if (context.User.IsAdmin() && context.User.AdminUsername() is { Length: > 0 } username)
        {
            return (Chat2Caller.Admin(username), null);
        }

        var token = ReadToken(context.Request) ?? throw DomainException.Forbidden();
        var owner = await context.RequestServices.GetRequiredService<IDeviceTokens>().ResolveAsync(token, context.RequestAborted);
        if (owner is null || owner.IsRevoked)
        {
            throw DomainException.Forbidden();
        }

        string? claimed = context.Request.Headers[DeviceIdHeader];
        if (!string.IsNullOrWhiteSpace(claimed) && claimed.Trim() != owner.DeviceId)
        {
            throw DomainException.Forbidden();
        }

        return (Chat2Caller.Tracker(owner.DeviceId), owner.UserId);
    }

    /// <summary>An admin of at least <paramref name="role"/>; anyone else is 403.</summary>
    public static Chat2Caller RequireAdmin(HttpContext context, AdminRole role) =>
        context.User.HasAdminRole(role) && context.User.AdminUsername() is { Length: > 0 } username
            ? Chat2Caller.Admin(username)
            : throw DomainException.Forbidden();

    private static string? ReadToken(HttpRequest request)
    {
        string? token = request.Headers[DeviceTokenHeader];
        if (!string.IsNullOrWhiteSpace(token))
        {
            return token.Trim();
        }

        string? authorization = request.Headers.Authorization;
        return authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && authorization["Bearer ".Length..].Trim() is { Length: > 0 } bearer
            ? bearer
            : null;
    }
}
