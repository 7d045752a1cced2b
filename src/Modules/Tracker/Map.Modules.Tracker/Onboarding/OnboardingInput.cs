using Map.Modules.Tracker.Domain;

namespace Map.Modules.Tracker.Onboarding;

/// <summary>
/// Input rules shared by service access and phone onboarding: where the Telegram id comes from (body, then query,
/// then <c>X-Telegram-Id</c>), how long it may be, and which base URLs may go into a link.
/// </summary>
internal static class OnboardingInput
{
    public const string TelegramIdHeader = "X-Telegram-Id";

    /// <summary>The Telegram id from the body's <paramref name="name"/>, else the query's, else the header; trimmed, blank → null.</summary>
    public static string? TelegramId(HttpRequest request, RequestBody? body, string name = "tg_user_id")
    {
        var raw = body?.Text(name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            raw = request.Query[name].ToString();
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            raw = request.Headers[TelegramIdHeader].ToString();
        }

        return string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();
    }

    /// <summary>A service-access id: present, at most 64 characters (admin-platform spec §2).</summary>
    public static string ServiceAccessId(string? tgUserId) => tgUserId switch
    {
        null => throw DomainException.Invalid("missing_tg_user_id"),
        { Length: > ServiceAccess.TgUserIdMaxLength } => throw DomainException.Invalid("invalid_tg_user_id"),
        _ => tgUserId,
    };

    /// <summary>
    /// A Telegram id a phone is bound to: present and a Telegram chat id (digits, at most 20), because it becomes the
    /// device's <c>user_id</c> (the Duty join key) and the chat the link is sent to.
    /// </summary>
    public static string PhoneOwnerId(string? tgUserId) => tgUserId switch
    {
        null => throw DomainException.Invalid("missing_tg_user_id"),
        { Length: > 20 } => throw DomainException.Invalid("invalid_tg_user_id"),
        _ when !tgUserId.All(char.IsAsciiDigit) => throw DomainException.Invalid("invalid_tg_user_id"),
        _ => tgUserId,
    };

    /// <summary>A note: at most 256 characters (longer is refused, not cut).</summary>
    public static string? Note(string? note) => note is { Length: > ServiceAccess.NoteMaxLength }
        ? throw DomainException.Invalid("note_too_long")
        : string.IsNullOrWhiteSpace(note) ? null : note.Trim();

    /// <summary>
    /// A base URL given by a client: absent, blank or <c>auto</c> → null (detect); otherwise an absolute http(s) URL
    /// without user info, query or fragment, at most 256 characters, returned without a trailing slash. Anything else
    /// is refused (400 <c>invalid_base_url</c>), so it never reaches a Telegram button.
    /// </summary>
    public static string? BaseUrl(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return IsHttpBase(raw.Trim(), out var normalized) ? normalized : throw DomainException.Invalid("invalid_base_url");
    }

    public static bool IsHttpBase(string raw, out string normalized)
    {
        normalized = "";
        if (raw.Length > BootstrapToken.BaseUrlMaxLength
            || !Uri.TryCreate(raw, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || string.IsNullOrEmpty(uri.Host) || raw.Any(char.IsWhiteSpace))
        {
            return false;
        }

        normalized = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return true;
    }

    /// <summary>The request's own origin (scheme, host, port, path base): the default base URL.</summary>
    public static string RequestRoot(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/');
}
