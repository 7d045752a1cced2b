using System.Net.Http.Json;

namespace Map.Perf.Scenarios;

/// <summary>
/// The platform outbox end to end: an operator's reply, from its request (the 201 included) to <c>sendMessage</c>
/// arriving at the tool's Telegram stub, at a steady 20 replies per second spread over 200 users (the issue's
/// target: p99 under 1 s). Needs <c>--spawn</c>, which points the spawned Map at the stub.
/// </summary>
internal sealed class OutboxScenario : IPerfScenario
{
    public const double RepliesPerSecond = 20;

    private const int Users = 200;

    public string Name => "outbox";

    public Task PrepareAsync(PerfContext context, CancellationToken cancellationToken) =>
        context.Stubs is null
            ? throw new InvalidOperationException("the outbox scenario needs --spawn: Map must send to the tool's Telegram stub")
            : Task.CompletedTask;

    public Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken) => Task.CompletedTask;

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        var telegram = context.Stubs!;
        yield return new PerfEndpoint("outbox: reply → Telegram sendMessage", async (clients, n, ct) =>
        {
            var text = $"perf reply {context.RunId}-{n}";
            var delivered = telegram.ExpectAsync(text, ct);
            var chatId = 900_000_000 + (n % Users);
            var response = await clients.Admin.PostAsJsonAsync($"/api/chat/{chatId}", new { text }, ct);
            if (response.IsSuccessStatusCode)
            {
                await delivered;
            }

            return response;
        })
        {
            RatePerSecond = RepliesPerSecond,
        };
    }
}
