using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Map.Modules.Duty.Jobs;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Duty.Tests;

/// <summary>
/// SOS escalation (decision 0084) driven by a fake clock and explicit job runs: after DUTY_SOS_ESCALATE_AFTER_SEC an
/// open SOS escalates (realtime <c>sos_escalated</c> to editors, a Telegram message through the platform outbox with
/// retry), again every DUTY_SOS_REPEAT_SEC; ack or close stop it; two workers escalate once per step.
/// </summary>
public sealed class EscalationTests(DutyTestContext map) : IClassFixture<DutyTestContext>, IAsyncLifetime
{
    private readonly long chatId = -Random.Shared.NextInt64(1_000_000, 9_999_999);
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<string> sent = new();
    private WebApplication? telegram;
    private string telegramUrl = "";
    private int failuresLeft;
    private MapInstance? app;

    private MapInstance App => app ??= Start();

    public async Task InitializeAsync()
    {
        (telegram, telegramUrl) = await LocalHttpServer.StartAsync(web => web.MapPost("/bot{token}/sendMessage", async (string token, HttpContext context) =>
        {
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                context.Response.StatusCode = 502;
                return;
            }

            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            sent.Enqueue($"{body.RootElement.GetProperty("chat_id").GetInt64()}|{body.RootElement.GetProperty("text").GetString()}");
            await context.Response.WriteAsync("""{"ok":true,"result":{"message_id":1}}""");
        }));
    }

    public async Task DisposeAsync()
    {
        if (telegram is not null)
        {
            await telegram.DisposeAsync();
        }
    }

    private MapInstance Start() => map.StartInstance(new MapHostOptions
    {
        Clock = clock,
        Settings = new Dictionary<string, string?>(DutyTestContext.Relaxed)
        {
            ["DUTY_SOS_ESCALATE_AFTER_SEC"] = "60",
            ["DUTY_SOS_REPEAT_SEC"] = "120",
            ["DUTY_ESCALATION_CHAT_ID"] = chatId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TELEGRAM_BOT_TOKEN"] = "123:duty-test",
            ["TELEGRAM_API_BASE"] = telegramUrl,
        },
    });

    private static async Task EscalateAsync(MapInstance instance)
    {
        await using var scope = instance.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SosEscalationJob>().RunAsync(CancellationToken.None);
    }

    private Task<long> StepAsync(int sosId) => map.CountAsync("SELECT escalation_step FROM duty.sos_alerts WHERE id = $1", sosId);

    private Task<long> MessagesAsync(int sosId) =>
        map.CountAsync("SELECT count(*) FROM platform.outbox_messages WHERE type = 'duty.sos_escalation' AND (payload->>'sos_id')::int = $1", sosId);

    private async Task<int> RaiseAsync() =>
        (await App.CreateBot().BotAsync("sos", new { user_id = Random.Shared.Next(10_000, 99_999).ToString(System.Globalization.CultureInfo.InvariantCulture), unit_label = "П-9", lat = 53.9, lon = 27.56 }))
            .GetProperty("sos_id").GetInt32();

    [Fact]
    public async Task Unacked_sos_escalates_repeats_with_retried_telegram_and_ack_stops_it()
    {
        var admin = await App.LoginAsync();
        await using var socket = await App.ConnectRealtimeAsync(admin);
        var sosId = await RaiseAsync();

        clock.Advance(TimeSpan.FromSeconds(59));
        await EscalateAsync(App);
        Assert.Equal(0, await StepAsync(sosId));

        clock.Advance(TimeSpan.FromSeconds(2));
        await EscalateAsync(App);
        Assert.Equal(1, await StepAsync(sosId));
        var escalated = await socket.WaitForEventAsync("sos_escalated", e => e.GetProperty("sos").GetProperty("id").GetInt32() == sosId);
        Assert.Equal(1, escalated!.Value.GetProperty("step").GetInt32());
        Assert.Equal(1, await MessagesAsync(sosId));

        // Telegram fails once: the outbox retries after its backoff and delivers.
        failuresLeft = 1;
        var key = $"telegram:{chatId}";
        await App.DispatchOutboxAsync(key);
        Assert.Empty(sent);
        clock.Advance(TimeSpan.FromSeconds(10));
        await App.DispatchOutboxAsync(key);
        var message = Assert.Single(sent);
        Assert.StartsWith($"{chatId}|🆘 SOS #{sosId}", message, StringComparison.Ordinal);

        // Not again before the repeat interval; again after it.
        await EscalateAsync(App);
        Assert.Equal(1, await StepAsync(sosId));
        clock.Advance(TimeSpan.FromSeconds(120));
        await EscalateAsync(App);
        Assert.Equal(2, await StepAsync(sosId));
        Assert.Equal(2, await MessagesAsync(sosId));

        await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/ack", new { }), HttpStatusCode.OK);
        // A step still queued for an acked SOS is dropped, and no further step comes.
        await App.DispatchOutboxAsync(key);
        Assert.Single(sent);
        clock.Advance(TimeSpan.FromMinutes(10));
        await EscalateAsync(App);
        Assert.Equal(2, await StepAsync(sosId));
        Assert.Equal(2, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE event_type = 'SOS_ESCALATED' AND (payload->>'sos_id')::int = $1", sosId));
    }

    [Fact]
    public async Task Close_stops_escalation()
    {
        var admin = await App.LoginAsync();
        var sosId = await RaiseAsync();
        clock.Advance(TimeSpan.FromSeconds(61));
        await EscalateAsync(App);
        Assert.Equal(1, await StepAsync(sosId));
        await DutyApi.ExpectAsync(await admin.Http.PostJsonAsync($"/api/duty/admin/sos/{sosId}/close", new { }), HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(10));
        await EscalateAsync(App);
        Assert.Equal(1, await StepAsync(sosId));
    }

    [Fact]
    public async Task Two_workers_escalate_once_per_step()
    {
        var second = Start();
        var sosId = await RaiseAsync();
        clock.Advance(TimeSpan.FromSeconds(61));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => EscalateAsync(i % 2 == 0 ? App : second)));
        Assert.Equal(1, await StepAsync(sosId));
        Assert.Equal(1, await MessagesAsync(sosId));

        // A restarted worker (a new instance) continues from the stored state: the next step, once.
        clock.Advance(TimeSpan.FromSeconds(121));
        var restarted = Start();
        await Task.WhenAll(EscalateAsync(restarted), EscalateAsync(second));
        Assert.Equal(2, await StepAsync(sosId));
        Assert.Equal(2, await MessagesAsync(sosId));
    }
}
