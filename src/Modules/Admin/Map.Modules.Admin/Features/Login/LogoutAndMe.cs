using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Microsoft.AspNetCore.Authentication;

namespace Map.Modules.Admin.Features.Login;

/// <summary>
/// <c>POST /logout</c> → 204; the server-side session is deleted, so a copied cookie stops working.
/// <c>GET /me</c> → <c>{is_admin, role, username}</c> (<c>guest</c>/null when not signed in).
/// <c>POST /setrole/{role}</c> never grants anything: 403 for everyone (a legacy test pins 401/403 there).
/// </summary>
internal sealed class LogoutAndMeEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", LogoutAsync).AllowAnonymous().Produces(StatusCodes.Status204NoContent);
        app.MapGet("/me", (HttpContext context) => Results.Json(context.User.IsAdmin()
                ? new MeJson(IsAdmin: true, context.User.AdminRole()!.Value.ToWire(), context.User.AdminUsername())
                : new MeJson(IsAdmin: false, "guest", Username: null)))
            .AllowAnonymous()
            .Produces<MeJson>();
        app.MapPost("/setrole/{role}", () => ApiErrors.Forbidden()).AllowAnonymous().Produces<ErrorBody>(StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, AdminDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (context.User.IsAdmin())
        {
            // The session row and its audit entry go together; SignOut then only clears the cookie.
            var sessionId = context.User.FindFirstValue(MapClaims.SessionId);
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                await db.Sessions.Where(s => s.IdHash == sessionId).ExecuteDeleteAsync(cancellationToken);
                await audit.RecordAsync(db.Database, "auth.logout", new { username = context.User.AdminUsername() }, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            await context.SignOutAsync(MapSchemes.AdminCookie);
        }

        context.Response.Cookies.Delete(LoginEndpoint.CsrfCookieName, new CookieOptions { Path = "/" });
        return Results.NoContent();
    }
}

/// <summary>The answer of <c>GET /me</c>: <c>{is_admin, role, username}</c>.</summary>
internal sealed record MeJson(bool IsAdmin, string Role, string? Username);
