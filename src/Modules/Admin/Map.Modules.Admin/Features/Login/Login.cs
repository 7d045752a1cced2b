using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Http;
using Map.Modules.Admin.Passwords;
using Map.Modules.Admin.Sessions;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Map.Modules.Admin.Features.Login;

/// <summary>
/// <c>POST /login</c> → 200 <c>{"status":"ok","role","csrf_token"}</c>, a fresh server-side session and a readable
/// <c>csrf_token</c> cookie; 401 <c>{"error":"Invalid credentials"}</c> (audited, without the password);
/// 429 past <c>RATE_LIMIT_LOGIN_PER_MINUTE</c> per client IP, and 429 (with a <c>message</c>) while the account name
/// has <c>LOGIN_ACCOUNT_MAX_FAILURES</c> failures in <c>LOGIN_ACCOUNT_WINDOW_MIN</c> (<see cref="AccountLockout"/>).
/// </summary>
internal sealed class LoginEndpoint : ICarterModule
{
    public const string CsrfCookieName = "csrf_token";

    private static readonly BodyRules Body = AdminBody.Strict("username", "password");

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/login", HandleAsync)
            .AllowAnonymous()
            .CsrfExempt()
            .RequireRateLimiting(AdminRateLimits.Login)
            .Produces<LoginJson>()
            .WithRequestBody<LoginBody>();

    private static async Task<IResult> HandleAsync(
        HttpContext context, ISender sender, AdminSessionCookie cookie, AdminDbContext db, LoginLockoutSettings lockout, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, Body, cancellationToken);
        var outcome = await sender.Send(new LoginCommand(body.String("username") ?? "", body.String("password") ?? ""), cancellationToken);
        if (outcome.LockedFor is { } lockedFor)
        {
            // The login bucket's 429 shape (admin-platform spec §3.1) plus a message for people.
            var seconds = Math.Max(1, (int)Math.Ceiling(lockedFor.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(
                new
                {
                    error = "rate_limited",
                    message = "Too many failed sign-ins for this account. Try again later.",
                    limit = lockout.MaxFailures,
                    remaining = 0,
                    reset_in = seconds,
                },
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (outcome.User is not { } result)
        {
            return ApiErrors.Error(StatusCodes.Status401Unauthorized, "Invalid credentials");
        }

        var csrf = await cookie.SignInAsync(context, db, result.AdminId, result.Username, result.Role);
        return Results.Json(new LoginJson("ok", result.Role.ToWire(), csrf));
    }
}

/// <summary>The answer of a successful <c>POST /login</c>: <c>{status, role, csrf_token}</c>.</summary>
internal sealed record LoginJson(string Status, string Role, string CsrfToken);

internal sealed record LoginCommand(string Username, string Password) : ICommand<LoginOutcome>;

internal sealed record LoginResult(int AdminId, string Username, AdminRole Role);

/// <summary>Signed in (<see cref="User"/>), refused (both null), or the account name is locked for a while.</summary>
internal sealed record LoginOutcome(LoginResult? User, TimeSpan? LockedFor = null)
{
    public static readonly LoginOutcome Refused = new(User: null);
}

internal sealed class LoginHandler(AdminDbContext db, AdminPasswordHasher hasher, IAuditLog audit, AccountLockout lockout)
    : ICommandHandler<LoginCommand, LoginOutcome>
{
    public async ValueTask<LoginOutcome> Handle(LoginCommand command, CancellationToken cancellationToken)
    {
        var username = command.Username.Trim();

        // Checked before the password, for existing and unknown names alike, without hashing: a locked name learns
        // nothing from further guesses, not even whether it exists. Refusals while locked are audited apart, so they
        // do not extend the lock.
        if (await lockout.LockedForAsync(Clip(username), cancellationToken) is { } lockedFor)
        {
            await audit.RecordAsync("auth.login_locked", new { username = Clip(username) }, new AuditActor(Clip(username), ""), cancellationToken);
            return new LoginOutcome(null, lockedFor);
        }

        var user = username.Length is > 0 and <= Domain.AdminUser.UsernameMaxLength
            ? await db.Users.FirstOrDefaultAsync(u => u.Username == username, cancellationToken)
            : null;
        if (user is null || !user.IsActive)
        {
            hasher.VerifyDummy(command.Password);
            await audit.RecordAsync(AccountLockout.FailedAction, new { username = Clip(username) }, new AuditActor(Clip(username), ""), cancellationToken);
            return LoginOutcome.Refused;
        }

        var check = hasher.Verify(user.PasswordHash, command.Password);
        if (check == PasswordCheck.Failed)
        {
            await audit.RecordAsync(AccountLockout.FailedAction, new { username = user.Username }, new AuditActor(user.Username, user.Role.ToWire()), cancellationToken);
            return LoginOutcome.Refused;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            // Legacy Werkzeug hash or an older Identity format: upgrade it now that we know the password.
            user.SetPasswordHash(hasher.Hash(command.Password));
            await db.SaveChangesAsync(cancellationToken);
        }

        // The request is still anonymous: the account signing in is the actor.
        await audit.RecordAsync(db.Database, "auth.login", new { username = user.Username }, new AuditActor(user.Username, user.Role.ToWire()), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LoginOutcome(new LoginResult(user.Id, user.Username, user.Role));
    }

    private static string Clip(string value) => StoredText.Clip(value, 64);
}

/// <summary>
/// Signs an admin in: always a new server-side session (new key), the browser's previous session dropped, and the
/// CSRF token in body and cookie.
/// </summary>
/// <remarks>
/// The cookie handler's own <c>SignInAsync</c> is not used: when the request already carries a valid session it
/// only <em>renews</em> that session under the same key (aspnetcore#22135), which would keep the old key across a
/// login (session fixation), keep the old account's id in the row when another account signs in on the same
/// browser, and leave the stored CSRF token behind the one returned. So the ticket is stored here and the cookie
/// is written the way the handler writes it: a protected ticket holding only the session key claim.
/// </remarks>
internal sealed class AdminSessionCookie(TimeProvider clock, IOptionsMonitor<CookieAuthenticationOptions> cookieOptions, ITicketStore store)
{
    /// <summary>The claim type the cookie handler looks for in a session-store cookie.</summary>
    private const string SessionKeyClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    public async Task<string> SignInAsync(HttpContext context, AdminDbContext db, int adminId, string username, AdminRole role)
    {
        var options = cookieOptions.Get(MapSchemes.AdminCookie);
        if (context.User.FindFirstValue(MapClaims.SessionId) is { } previous)
        {
            await db.Sessions.Where(s => s.IdHash == previous).ExecuteDeleteAsync(context.RequestAborted);
        }

        var csrf = AdminTicketStore.NewSecret();
        var now = clock.GetUtcNow();
        var expires = now.Add(options.ExpireTimeSpan);
        var properties = new AuthenticationProperties { IsPersistent = true, IssuedUtc = now, ExpiresUtc = expires, AllowRefresh = false };
        var key = await store.StoreAsync(new AuthenticationTicket(AdminTicketStore.CreatePrincipal(adminId, username, role, csrf), properties, MapSchemes.AdminCookie));
        var cookieTicket = new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(SessionKeyClaim, key, ClaimValueTypes.String, options.ClaimsIssuer)], options.ClaimsIssuer)),
            null,
            MapSchemes.AdminCookie);
        var sessionCookie = options.Cookie.Build(context, now);
        sessionCookie.Expires = expires;
        options.CookieManager.AppendResponseCookie(context, options.Cookie.Name!, options.TicketDataFormat.Protect(cookieTicket), sessionCookie);
        context.Response.Headers.CacheControl = "no-cache,no-store";

        context.Response.Cookies.Append(LoginEndpoint.CsrfCookieName, csrf, new CookieOptions
        {
            HttpOnly = false,
            SameSite = SameSiteMode.Lax,
            Secure = options.Cookie.SecurePolicy == CookieSecurePolicy.Always || context.Request.IsHttps,
            Path = "/",
            Expires = expires,
        });
        return csrf;
    }
}

/// <summary>The login form (JSON; a form post is read too).</summary>
internal sealed record LoginBody(string Username, string Password);
