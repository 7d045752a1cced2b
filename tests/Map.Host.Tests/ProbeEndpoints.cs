using Carter;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Host.Tests;

/// <summary>
/// Endpoints that exist only in these tests, to exercise the platform's schemes and policies the way a module
/// endpoint uses them (modules have their own HTTP tests).
/// </summary>
internal sealed class ProbeEndpoints : ICarterModule
{
    public static MapHostOptions With(MapHostOptions? options = null) =>
        (options ?? new MapHostOptions()) with { ConfigureServices = services => services.AddSingleton<ICarterModule, ProbeEndpoints>() };

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/probe/bot", (HttpContext c) => Results.Json(new { who = c.User.IsBot() ? "bot" : "?" }))
            .RequireAuthorization(MapPolicies.Bot);
        app.MapPost("/api/probe/bot-query", (HttpContext c) => Results.Json(new { who = "bot" }))
            .RequireAuthorization(MapPolicies.Bot)
            .AllowApiKeyInQuery();
        app.MapPost("/api/probe/editor", () => Results.Json(new { ok = true }))
            .RequireAuthorization(MapPolicies.Editor);
        app.MapPost("/api/probe/editor-or-bot", (HttpContext c) => Results.Json(new { who = c.User.IsAdmin() ? "admin" : "bot" }))
            .RequireAuthorization(MapPolicies.EditorOrBot);
        app.MapGet("/api/probe/superadmin", () => Results.Json(new { ok = true }))
            .RequireAuthorization(MapPolicies.Superadmin);
        app.MapGet("/api/probe/boom", (HttpContext _) => ThrowUnexpected());
        app.MapPost("/api/probe/rate", () => Results.Json(new { ok = true }))
            .RequireRateLimiting("login");
        app.MapPost("/api/probe/gate/{user}", async (string user, IRateLimitGate gate) =>
        {
            var decision = await gate.AcquireAsync("chat", "user:" + user);
            return decision.Allowed ? Results.Json(new { ok = true }) : new RateLimitedResult(decision, detailed: true);
        });
        app.MapGet("/api/probe/ip", (HttpContext c) => Results.Json(new { ip = c.Connection.RemoteIpAddress?.ToString() }));
    }

    private static IResult ThrowUnexpected() => throw new InvalidOperationException("secret internals");
}
