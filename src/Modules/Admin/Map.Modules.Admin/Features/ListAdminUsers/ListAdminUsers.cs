using Carter;
using Mediator;

namespace Map.Modules.Admin.Features.ListAdminUsers;

/// <summary>
/// <c>GET /api/admin/users</c> (and <c>/api/admin/users/</c>: routing matches both, no redirect) → 200 array of admin
/// JSON sorted by username. Superadmin only.
/// </summary>
internal sealed class ListAdminUsersEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/admin/users", async (ISender sender, CancellationToken cancellationToken) =>
                Results.Json(await sender.Send(new ListAdminUsersQuery(), cancellationToken)))
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<IReadOnlyList<AdminUserJson>>();
}

internal sealed record ListAdminUsersQuery : IQuery<IReadOnlyList<AdminUserJson>>;

internal sealed class ListAdminUsersHandler(AdminDbContext db) : IQueryHandler<ListAdminUsersQuery, IReadOnlyList<AdminUserJson>>
{
    public async ValueTask<IReadOnlyList<AdminUserJson>> Handle(ListAdminUsersQuery query, CancellationToken cancellationToken)
    {
        // Case-insensitive order (what a person scanning the list expects), exact name as the tie-break.
        var users = await db.Users.AsNoTracking().Include(u => u.Zones)
            .OrderBy(u => u.Username.ToLower()).ThenBy(u => u.Username)
            .ToListAsync(cancellationToken);
        return [.. users.Select(AdminUserJson.From)];
    }
}
