using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Map.Host.Platform.Csrf;

/// <summary>
/// Synchronizer-token CSRF check: an unsafe request authenticated by the admin session cookie must echo the
/// session's token in <c>X-CSRF-Token</c> (or <c>X-CSRFToken</c>, which one legacy page script sends).
/// Bot-key, device-token and initData requests carry no session and are not checked. A GET that changes state
/// (<see cref="CsrfRequiredAttribute"/>) is checked like an unsafe request.
/// </summary>
internal sealed class CsrfMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-CSRF-Token";
    public const string LegacyHeaderName = "X-CSRFToken";

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if ((IsSafe(context.Request.Method) && endpoint?.Metadata.GetMetadata<CsrfRequiredAttribute>() is null)
            || !context.User.IsAdmin()
            || endpoint?.Metadata.GetMetadata<CsrfExemptAttribute>() is not null)
        {
            return next(context);
        }

        var expected = context.User.FindFirstValue(MapClaims.CsrfToken);
        string? provided = context.Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(provided))
        {
            provided = context.Request.Headers[LegacyHeaderName];
        }

        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(provided)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(provided)))
        {
            return ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden");
        }

        return next(context);
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
