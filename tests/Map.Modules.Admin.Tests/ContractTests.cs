using System.Security.Claims;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Data;
using Map.Modules.Admin.Sessions;
using Map.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Admin.Tests;

/// <summary>What other modules use: <see cref="IAdminDirectory"/> and <see cref="IAuditLog"/>, resolved as they resolve them.</summary>
public sealed class ContractTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> use)
    {
        await using var scope = map.Api.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider);
    }

    private static ClaimsPrincipal Admin(int id, AdminRole role) => AdminTicketStore.CreatePrincipal(id, "someone", role, "csrf");

    [Fact]
    public async Task The_directory_knows_active_admins_with_their_current_role_and_zones()
    {
        var editorId = await map.CreateAdminAsync(AdminTestContext.Unique("dir"), AdminRole.Editor, zones: [4, 8]);
        var inactiveId = await map.CreateAdminAsync(AdminTestContext.Unique("dir-off"), AdminRole.Superadmin, active: false);

        var editor = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().FindActiveAsync(editorId));
        var inactive = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().FindActiveAsync(inactiveId));
        var missing = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().FindActiveAsync(999_999));

        Assert.NotNull(editor);
        Assert.Equal(AdminRole.Editor, editor.Role);
        Assert.Equal([4, 8], editor.Zones.ZoneIds.Order());
        Assert.False(editor.Zones.AllZones);
        Assert.Null(inactive);
        Assert.Null(missing);
    }

    [Fact]
    public async Task Zone_scope_is_every_zone_for_a_superadmin_own_zones_otherwise_and_nothing_for_non_admins()
    {
        var viewerId = await map.CreateAdminAsync(AdminTestContext.Unique("scope"), AdminRole.Viewer, zones: [5]);
        var zoneless = await map.CreateAdminAsync(AdminTestContext.Unique("scope-none"), AdminRole.Editor);

        var super = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().GetZoneScopeAsync(Admin(1, AdminRole.Superadmin)));
        var viewer = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().GetZoneScopeAsync(Admin(viewerId, AdminRole.Viewer)));
        var none = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().GetZoneScopeAsync(Admin(zoneless, AdminRole.Editor)));
        var anonymous = await InScopeAsync(sp => sp.GetRequiredService<IAdminDirectory>().GetZoneScopeAsync(new ClaimsPrincipal(new ClaimsIdentity())));

        Assert.True(super.Allows(123));
        Assert.True(viewer.Allows(5));
        Assert.False(viewer.Allows(6));
        Assert.True(viewer.Allows(null));
        Assert.False(none.Allows(5));
        Assert.False(anonymous.Allows(5));
    }

    [Fact]
    public async Task Unlinking_a_zone_happens_inside_the_callers_transaction_and_rolls_back_with_it()
    {
        var zone = Random.Shared.Next(100_000, 200_000);
        await map.CreateAdminAsync(AdminTestContext.Unique("unlink-a"), AdminRole.Editor, zones: [zone, 1]);
        await map.CreateAdminAsync(AdminTestContext.Unique("unlink-b"), AdminRole.Viewer, zones: [zone]);
        Task<long> LinksAsync() => map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_zones WHERE zone_id = $1", zone);

        var outside = await InScopeAsync(sp => Record.ExceptionAsync(() =>
            sp.GetRequiredService<IAdminDirectory>().UnlinkZoneAsync(sp.GetRequiredService<AdminDbContext>().Database, zone)));
        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AdminDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await sp.GetRequiredService<IAdminDirectory>().UnlinkZoneAsync(db.Database, zone);
            await transaction.RollbackAsync();
            return 0;
        });
        var afterRollback = await LinksAsync();
        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AdminDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await sp.GetRequiredService<IAdminDirectory>().UnlinkZoneAsync(db.Database, zone);
            await transaction.CommitAsync();
            return 0;
        });

        Assert.IsType<InvalidOperationException>(outside);
        Assert.Equal(2L, afterRollback);
        Assert.Equal(0L, await LinksAsync());
    }

    [Fact]
    public async Task Audit_rows_commit_or_roll_back_with_the_change_they_record()
    {
        var committed = "contract.commit." + Guid.NewGuid().ToString("N")[..6];
        var rolledBack = "contract.rollback." + Guid.NewGuid().ToString("N")[..6];

        var outside = await InScopeAsync(sp => Record.ExceptionAsync(() =>
            sp.GetRequiredService<IAuditLog>().RecordAsync(sp.GetRequiredService<AdminDbContext>().Database, committed)));
        foreach (var (action, commit) in new[] { (committed, true), (rolledBack, false) })
        {
            await InScopeAsync(async sp =>
            {
                var db = sp.GetRequiredService<AdminDbContext>();
                await using var transaction = await db.Database.BeginTransactionAsync();
                await sp.GetRequiredService<IAuditLog>().RecordAsync(db.Database, action, new { note = "x" }, new AuditActor("markers-job", ""));
                if (commit)
                {
                    await transaction.CommitAsync();
                }

                return 0;
            });
        }

        Assert.IsType<InvalidOperationException>(outside);
        Assert.Equal("markers-job", await map.ScalarAsync<string>("SELECT actor FROM admin.admin_audit_log WHERE action = $1", committed));
        Assert.Equal(0L, await map.AuditCountAsync(rolledBack));
    }
}
