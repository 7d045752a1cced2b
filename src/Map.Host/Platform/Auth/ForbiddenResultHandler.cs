using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Map.Host.Platform.Auth;

/// <summary>
/// One place decides how a refused request is answered: API and script callers get 403 <c>{"error":"forbidden"}</c>
/// (the legacy contract: never 401); a browser asking for a page without a session is sent to the login page.
/// </summary>
internal sealed class ForbiddenResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged && !context.User.IsAdmin() && WantsPage(context.Request))
        {
            var next_ = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
            context.Response.Redirect($"/login?next={Uri.EscapeDataString(next_)}");
            return;
        }

        var error = context.GetEndpoint()?.Metadata.GetMetadata<ForbiddenErrorAttribute>()?.Error ?? "forbidden";
        await ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, error);
    }

    /// <summary>A browser navigation (not <c>/api</c>, accepts HTML) rather than a script or fetch call.</summary>
    public static bool WantsPage(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api")
        && HttpMethods.IsGet(request.Method)
        && request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}
