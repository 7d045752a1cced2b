
namespace Map.Perf.Scenarios;

/// <summary>The platform and admin endpoints every deployment has.</summary>
internal sealed class PlatformScenario : IPerfScenario
{
    public string Name => "platform";

    public Task PrepareAsync(PerfContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken) => Task.CompletedTask;

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        yield return new("GET /health", (c, _, ct) => c.Anonymous.GetAsync("/health", ct));
        yield return new("GET /ready", (c, _, ct) => c.Anonymous.GetAsync("/ready", ct));
        yield return new("GET /me", (c, _, ct) => c.Admin.GetAsync("/me", ct));
        yield return new("GET /api/realtime/token", (c, _, ct) => c.Admin.GetAsync("/api/realtime/token", ct));
        yield return new("GET /api/audit?limit=50", (c, _, ct) => c.Admin.GetAsync("/api/audit?limit=50", ct));
    }
}
