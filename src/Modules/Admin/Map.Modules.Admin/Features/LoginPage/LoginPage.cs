using Carter;
using Map.SharedKernel;
using Microsoft.AspNetCore.Routing;

namespace Map.Modules.Admin.Features.LoginPage;

/// <summary>
/// <c>GET /login</c> (public): the sign-in form (<c>Web/login.*</c>). It posts to <c>POST /login</c> and then returns to
/// <c>?next=</c> when that is a local path, else to the map. Wrong passwords and rate limiting show their own message.
/// </summary>
internal sealed class LoginPageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) => app.MapPage("/login", AdminModule.WebModule, "login", minRole: null);
}
