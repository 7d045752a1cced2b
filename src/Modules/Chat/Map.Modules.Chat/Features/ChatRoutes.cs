using System.Globalization;
using System.Text.Json;
using FluentValidation;
using Map.Modules.Chat.Domain;

namespace Map.Modules.Chat.Features;

/// <summary>Route and body conventions shared by the <c>/api/chat</c> endpoints.</summary>
internal static class ChatRoutes
{
    public const string Prefix = "/api/chat";

    /// <summary>The <c>{userId}</c> segment; <c>conversations</c> and <c>notify_targets</c> are never user ids.</summary>
    public const string UserSegment = "{userId:" + UserIdRouteConstraint.Name + "}";

    public const string UserPath = Prefix + "/" + UserSegment;

    /// <summary>A cursor from a bot body: an integer, or a string of one; anything else is no cursor (a no-op).</summary>
    public static int? ReadCursor(JsonElement body)
    {
        if (!body.TryGetProperty("cursor", out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var number) => number,
            JsonValueKind.String when int.TryParse(value.GetString()?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }

    public static IRuleBuilderOptions<T, string> ChatUserId<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(id => id.Length is > 0 and <= ChatDialog.UserIdMaxLength)
            .WithMessage($"user_id must be 1 to {ChatDialog.UserIdMaxLength} characters")
            .Must(IsValidUserId)
            .WithMessage("user_id must not start or end with spaces or hold control or direction characters");

    /// <summary>
    /// A dialog id as stored: non-empty, at most <see cref="ChatDialog.UserIdMaxLength"/>, already trimmed, and free
    /// of control, format (right-to-left override, zero-width) and line/paragraph separator characters, so a
    /// <c>%20</c>, CR/LF or RLO id can never become a dialog of its own.
    /// </summary>
    public static bool IsValidUserId(string id) =>
        id.Length is > 0 and <= ChatDialog.UserIdMaxLength
        && id.Trim().Length == id.Length
        && StoredText.IsStorable(id)
        && !id.Any(c => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}

/// <summary>
/// Keeps the literal segments <c>conversations</c> and <c>notify_targets</c> out of <c>{userId}</c> for every method,
/// so e.g. <c>POST /api/chat/conversations</c> is 404 rather than a message to a user named "conversations".
/// </summary>
internal sealed class UserIdRouteConstraint : IRouteConstraint
{
    public const string Name = "chatuser";

    private static readonly HashSet<string> Reserved = ["conversations", "notify_targets"];

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string id && !Reserved.Contains(id);
}

/// <summary>The dialog's read cursor (a message id, number or digit string) up to which the admin's messages were delivered or seen.</summary>
internal sealed record ReadCursorBody(int? Cursor);
