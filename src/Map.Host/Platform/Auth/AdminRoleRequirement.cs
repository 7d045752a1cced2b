using Microsoft.AspNetCore.Authorization;

namespace Map.Host.Platform.Auth;

/// <summary>
/// An admin session with at least <see cref="Minimum"/>; optionally the bot instead (<see cref="AllowBot"/>: by key or
/// trusted network; <see cref="AllowTrustedNetworkBot"/>: only the keyless bot of <c>BOT_TRUSTED_NETWORKS</c>).
/// </summary>
internal sealed record AdminRoleRequirement(AdminRole Minimum, bool AllowBot = false, bool AllowTrustedNetworkBot = false) : IAuthorizationRequirement;

internal sealed class AdminRoleRequirementHandler : AuthorizationHandler<AdminRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRoleRequirement requirement)
    {
        var user = context.User;
        var isAdmin = user.Identities.Any(i => i.IsAuthenticated && i.HasClaim(MapClaims.AuthKind, MapClaims.AuthKindAdmin));
        if (isAdmin)
        {
            // An admin session decides alone: a bot key cannot lift a too-low role.
            if (user.HasAdminRole(requirement.Minimum))
            {
                context.Succeed(requirement);
            }
        }
        else if (requirement.AllowBot && user.Identities.Any(i => i.IsAuthenticated && i.HasClaim(MapClaims.AuthKind, MapClaims.AuthKindBot)))
        {
            context.Succeed(requirement);
        }
        else if (requirement.AllowTrustedNetworkBot && user.Identities.Any(i => i.IsAuthenticated
            && i.HasClaim(MapClaims.AuthKind, MapClaims.AuthKindBot) && i.HasClaim(MapClaims.BotVia, MapClaims.BotViaTrustedNetwork)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

internal sealed class BotRequirement : IAuthorizationRequirement;

internal sealed class BotRequirementHandler : AuthorizationHandler<BotRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, BotRequirement requirement)
    {
        if (context.User.Identities.Any(i => i.IsAuthenticated && i.HasClaim(MapClaims.AuthKind, MapClaims.AuthKindBot)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
