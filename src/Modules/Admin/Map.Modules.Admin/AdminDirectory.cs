using System.Security.Claims;
using Map.Modules.Admin.Contracts;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Map.Modules.Admin;

internal sealed class AdminDirectory(AdminDbContext db, TimeProvider clock) : IAdminDirectory
{
    public async Task<AdminAccount?> FindActiveAsync(int adminId, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Zones)
            .FirstOrDefaultAsync(u => u.Id == adminId && u.IsActive, cancellationToken);
        return user is null
            ? null
            : new AdminAccount(user.Id, user.Username, user.Role, Scope(user.Role, user.Zones.Select(z => z.ZoneId)));
    }

    public Task<bool> IsSessionActiveAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.AsNoTracking().AnyAsync(s => s.IdHash == sessionId && s.ExpiresAt > now, cancellationToken);
    }

    public async Task<ZoneScope> GetZoneScopeAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        if (user.AdminRole() is not { } role || user.AdminId() is not { } adminId)
        {
            return ZoneScope.Nothing;
        }

        if (role == AdminRole.Superadmin)
        {
            return ZoneScope.Everything;
        }

        var zones = await db.Zones.AsNoTracking().Where(z => z.AdminId == adminId).Select(z => z.ZoneId).ToListAsync(cancellationToken);
        return Scope(role, zones);
    }

    public Task UnlinkZoneAsync(DatabaseFacade database, int zoneId, CancellationToken cancellationToken = default)
    {
        if (database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Unlink a zone inside the transaction that deletes it.");
        }

        return database.ExecuteSqlAsync($"DELETE FROM admin.admin_zones WHERE zone_id = {zoneId}", cancellationToken);
    }

    private static ZoneScope Scope(AdminRole role, IEnumerable<int> zones) =>
        role == AdminRole.Superadmin ? ZoneScope.Everything : new ZoneScope(false, zones.ToHashSet());
}
