using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Map.Perf;

/// <summary>
/// The outside services a spawned Map talks to, answered locally on one loopback port:
/// <list type="bullet">
/// <item>a Telegram Bot API (<c>TELEGRAM_API_BASE</c>) that accepts every <c>sendMessage</c> and completes whoever waits
/// for that text, so a scenario can time a reply from its request to its arrival at Telegram;</item>
/// <item>a base-map tile server (<c>MAP_TILE_URL</c>) answering every tile with a 1×1 PNG, so a page load measures Map
/// and not a tile server this machine may have no route to.</item>
/// </list>
/// </summary>
internal sealed class LocalStubs : IAsyncDisposable
{
    public const string Token = "100000:perf-stub-token";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new(StringComparer.Ordinal);

    private LocalStubs(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The <c>MAP_TILE_URL</c> template of the local tile server.</summary>
    public string TileUrl => BaseUrl + "/tiles/{z}/{x}/{y}.png";

    private static readonly byte[] Tile = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    public static async Task<LocalStubs> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new LocalStubs(app);
        app.MapPost("/bot{token}/sendMessage", stub.SendMessageAsync);
        app.MapGet("/tiles/{z}/{x}/{y}.png", () => Results.Bytes(Tile, "image/png"));
        await app.StartAsync();
        stub.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return stub;
    }

    /// <summary>Completes when a <c>sendMessage</c> whose text ends with <paramref name="marker"/> arrives.</summary>
    public async Task ExpectAsync(string marker, CancellationToken cancellationToken)
    {
        try
        {
            await Waiter(marker).Task.WaitAsync(cancellationToken);
        }
        finally
        {
            waiting.TryRemove(marker, out _);
        }
    }

    private TaskCompletionSource Waiter(string marker) =>
        waiting.GetOrAdd(marker, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task<IResult> SendMessageAsync(HttpRequest request)
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        var text = body.RootElement.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
        var marker = text[(text.LastIndexOf('\n') + 1)..];
        Waiter(marker).TrySetResult();
        return Results.Text("""{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}""", "application/json");
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
