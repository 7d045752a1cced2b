using System.Globalization;

namespace Map.Modules.Chat.EventChat;

/// <summary>HTTP edges shared by the event-chat endpoints (chat spec §3.2).</summary>
internal static class Chat2Http
{
    public const string Prefix = "/api/chat2";

    /// <summary>Bodies of the event chat: lenient JSON (a malformed body reads as <c>{}</c>), 64 KiB.</summary>
    public static readonly BodyRules Json = BodyRules.LenientJson with { MaxBytes = 64 * 1024 };

    /// <summary>Endpoints called by admins (session) and phones (device token), documented as such.</summary>
    public static RouteHandlerBuilder AdminOrDevice(this RouteHandlerBuilder builder) =>
        builder.AuthenticatedBy(ApiAuthSchemes.Session, ApiAuthSchemes.DeviceToken, ApiAuthSchemes.DeviceBearer);

    /// <summary>201 for a new message, 200 for a replay, 429 <c>rate limit exceeded</c> with <c>Retry-After</c>.</summary>
    public static IResult Result(HttpContext context, Posted2 posted)
    {
        if (posted.Refused is { } refused)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, refused.ResetInSeconds).ToString(CultureInfo.InvariantCulture);
            return ApiErrors.Error(StatusCodes.Status429TooManyRequests, "rate limit exceeded");
        }

        return Results.Json(posted.Message, statusCode: posted.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>A query integer: absent or not a number → <paramref name="fallback"/>, else clamped to 1..<paramref name="max"/>.</summary>
    public static int Limit(string? value, int fallback, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? Math.Clamp(parsed, 1, max) : fallback;
}
