using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Map.Modules.Admin.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Admin.Sessions;

/// <summary>
/// Server-side admin sessions behind the cookie handler. The cookie holds a random key; the database holds its
/// SHA-256. Every request rebuilds the principal from the current account, so a deactivated or deleted admin
/// loses access at once and a role change applies on the next request. Logout deletes the row.
/// </summary>
internal sealed class AdminTicketStore(IServiceScopeFactory scopes, TimeProvider clock, IHttpContextAccessor http) : ITicketStore
{
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(5);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = NewSecret();
        var now = clock.GetUtcNow().UtcDateTime;
        var adminId = int.Parse(ticket.Principal.FindFirstValue(MapClaims.AdminId)!, System.Globalization.CultureInfo.InvariantCulture);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        db.Sessions.Add(new AdminSession
        {
            IdHash = HashKey(key),
            AdminId = adminId,
            CsrfToken = ticket.Principal.FindFirstValue(MapClaims.CsrfToken)!,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = ticket.Properties.ExpiresUtc?.UtcDateTime ?? now.AddHours(12),
            Ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
        });
        await db.SaveChangesAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var expires = ticket.Properties.ExpiresUtc?.UtcDateTime;
        if (expires is not null)
        {
            var hash = HashKey(key);
            await db.Sessions.Where(s => s.IdHash == hash)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, expires.Value));
        }
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = HashKey(key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var found = await db.Sessions.AsNoTracking()
            .Where(s => s.IdHash == hash && s.ExpiresAt > now)
            .Join(db.Users.Where(u => u.IsActive), s => s.AdminId, u => u.Id, (s, u) => new
            {
                s.CsrfToken,
                s.CreatedAt,
                s.ExpiresAt,
                s.LastSeenAt,
                u.Id,
                u.Username,
                u.Role,
            })
            .FirstOrDefaultAsync();
        if (found is null)
        {
            return null;
        }

        if (now - found.LastSeenAt > LastSeenResolution)
        {
            await db.Sessions.Where(s => s.IdHash == hash).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now));
        }

        var principal = CreatePrincipal(found.Id, found.Username, found.Role, found.CsrfToken, hash);
        var properties = new AuthenticationProperties
        {
            IssuedUtc = found.CreatedAt,
            ExpiresUtc = found.ExpiresAt,
            IsPersistent = true,
        };
        return new AuthenticationTicket(principal, properties, MapSchemes.AdminCookie);
    }

    public async Task RemoveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var hash = HashKey(key);
        await db.Sessions.Where(s => s.IdHash == hash).ExecuteDeleteAsync();
    }

    /// <summary>
    /// The admin principal. <paramref name="sessionId"/> (the stored SHA-256 of the cookie key, never the key) is known
    /// once the session exists; it lets logout and password changes name the current session.
    /// </summary>
    public static ClaimsPrincipal CreatePrincipal(int adminId, string username, AdminRole role, string csrfToken, string? sessionId = null)
    {
        List<Claim> claims =
        [
            new Claim(MapClaims.AuthKind, MapClaims.AuthKindAdmin),
            new Claim(MapClaims.AdminId, adminId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(MapClaims.Username, username),
            new Claim(MapClaims.Role, role.ToWire()),
            new Claim(MapClaims.CsrfToken, csrfToken),
        ];
        if (sessionId is not null)
        {
            claims.Add(new Claim(MapClaims.SessionId, sessionId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, MapSchemes.AdminCookie, MapClaims.Username, MapClaims.Role));
    }

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
