using Carter;

namespace Map.Modules.Admin.Features.Pages;

/// <summary>
/// The module's pages. <c>GET /login</c> (public): the sign-in form (<c>Web/login.*</c>); it posts to <c>POST /login</c>
/// and returns to <c>?next=</c> when that is a local path, else to the map; wrong passwords and rate limiting show their
/// own message. <c>GET /admin/users</c> and <c>GET /admin/audit</c> (superadmin): accounts and the audit log.
/// </summary>
internal sealed class AdminPagesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPage("/login", AdminModule.WebModule, "login", minRole: null);
        app.MapPage("/admin/users", AdminModule.WebModule, "users", AdminRole.Superadmin);
        app.MapPage("/admin/audit", AdminModule.WebModule, "audit", AdminRole.Superadmin);
    }
}
