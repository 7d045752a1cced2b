using System.Globalization;
using System.Security.Claims;
using Map.Modules.Markers.Contracts;
using Map.SharedKernel;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Markers.Tests;

/// <summary>The contract the notification counters use: pending requests the signed-in admin may moderate.</summary>
public sealed class PendingCounterTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static ClaimsPrincipal Admin(int id, AdminRole role) => new(new ClaimsIdentity(
        [
            new Claim(MapClaims.AuthKind, MapClaims.AuthKindAdmin),
            new Claim(MapClaims.AdminId, id.ToString(CultureInfo.InvariantCulture)),
            new Claim(MapClaims.Username, $"admin{id}"),
            new Claim(MapClaims.Role, role.ToWire()),
        ],
        "test"));

    [Fact]
    public async Task Counts_follow_the_admins_zones()
    {
        var root = await map.Markers.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 10, 10, 11, 11);
        var zoneB = await map.CreateZoneAsync(root, 20, 20, 21, 21);
        var bot = map.Markers.CreateBot();
        foreach (var (lat, lon) in new[] { (10.5, 10.5), (20.5, 20.5), (20.6, 20.6), (1.0, 1.0) })
        {
            await bot.PostJsonAsync("/api/bot/markers?force=1", new { name = $"p{lat}", lat, lon });
        }

        var editorA = await map.CreateAdminAsync("counter-a", AdminRole.Editor, zones: [zoneA]);
        var viewerB = await map.CreateAdminAsync("counter-b", AdminRole.Viewer, zones: [zoneB]);
        var superadmin = await map.CreateAdminAsync("counter-root", AdminRole.Superadmin);
        await using var scope = map.Markers.Services.CreateAsyncScope();
        var counter = scope.ServiceProvider.GetRequiredService<IPendingRequestCounter>();

        Assert.Equal(2, await counter.CountPendingAsync(Admin(editorA, AdminRole.Editor)));
        Assert.Equal(3, await counter.CountPendingAsync(Admin(viewerB, AdminRole.Viewer)));
        Assert.Equal(4, await counter.CountPendingAsync(Admin(superadmin, AdminRole.Superadmin)));
        Assert.Equal(0, await counter.CountPendingAsync(new ClaimsPrincipal(new ClaimsIdentity())));
    }
}
