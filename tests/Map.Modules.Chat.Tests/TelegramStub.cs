using System.Collections.Concurrent;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Modules.Chat.Tests;

/// <summary>One <c>sendMessage</c> call the stub received, and how it answered.</summary>
internal sealed record TelegramCall(string Token, long ChatId, string Text, bool LinkPreviewsDisabled, int Status, bool Chunked = false);

/// <summary>
/// A local Telegram Bot API on a free loopback port (real Kestrel, real HTTP): records every <c>sendMessage</c> and
/// answers as the test decides (<see cref="Respond"/>, called with the request number starting at 1).
/// </summary>
internal sealed class TelegramStub : IAsyncDisposable
{
    public const string Token = "123456:stub-token";

    private readonly WebApplication app;
    private int requests;

    private TelegramStub(WebApplication app) => this.app = app;

    public ConcurrentQueue<TelegramCall> Calls { get; } = new();

    /// <summary>Decides each answer; the default accepts everything.</summary>
    public Func<int, TelegramCall, Task<(int Status, string Body)>> Respond { get; set; } = (_, _) => Task.FromResult(Ok);

    public string BaseUrl { get; private set; } = "";

    /// <summary>
    /// While true, every request is cut off without an answer (the network fails), as when Map cannot reach Telegram.
    /// Such requests are counted in <see cref="RequestCount"/> but not recorded as calls.
    /// </summary>
    public bool Down { get; set; }

    /// <summary>Requests received so far, including ones still waiting for their answer.</summary>
    public int RequestCount => Volatile.Read(ref requests);

    public static (int Status, string Body) Ok => (200, """{"ok":true,"result":{"message_id":1}}""");

    public static (int Status, string Body) ServerError => (502, """{"ok":false,"error_code":502,"description":"Bad Gateway"}""");

    public static (int Status, string Body) Blocked => (403, """{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}""");

    /// <summary>The successful deliveries, in the order Telegram accepted them.</summary>
    public IReadOnlyList<TelegramCall> Delivered => [.. Calls.Where(c => c.Status == 200)];

    public static async Task<TelegramStub> StartAsync()
    {
        TelegramStub? stub = null;
        var (app, baseUrl) = await LocalHttpServer.StartAsync(app => app.MapPost("/bot{token}/sendMessage", (string token, HttpContext context) => stub!.HandleAsync(token, context)));
        stub = new TelegramStub(app) { BaseUrl = baseUrl };
        return stub;
    }

    private async Task HandleAsync(string token, HttpContext context)
    {
        if (Down)
        {
            Interlocked.Increment(ref requests);
            context.Abort();
            return;
        }

        var chunked = context.Request.ContentLength is null
            || context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var call = new TelegramCall(
            token,
            root.GetProperty("chat_id").GetInt64(),
            root.GetProperty("text").GetString()!,
            (root.TryGetProperty("link_preview_options", out var options) && options.TryGetProperty("is_disabled", out var disabled) && disabled.GetBoolean())
                || (root.TryGetProperty("disable_web_page_preview", out var preview) && preview.GetBoolean()),
            0,
            chunked);
        var (status, answer) = await Respond(Interlocked.Increment(ref requests), call);
        Calls.Enqueue(call with { Status = status });
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
