using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Map.Testing;

/// <summary>
/// A small real HTTP server (Kestrel on a free loopback port) standing in for something outside Map: the Telegram
/// Bot API, a geocoder, an upstream behind nginx. Tests never reach the internet.
/// </summary>
public static class LocalHttpServer
{
    /// <summary>Starts a server with the routes <paramref name="map"/> adds; returns it and its base URL (no trailing slash).</summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, address.TrimEnd('/'));
    }
}
