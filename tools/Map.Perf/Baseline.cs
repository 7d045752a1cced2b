using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Map.Perf;

/// <summary>
/// A bare ASP.NET Core endpoint that the tool hosts itself and measures in the same run, so Map's figures can be read
/// as a fraction of what this machine can do at all. It runs in a child process of the tool (this same executable
/// with <c>--serve-baseline</c>), so it meets the load generator across a process boundary exactly as Map does:
/// hosted in the generator's own process, it would share its thread pool and look faster than any real server.
/// </summary>
internal sealed class Baseline : IAsyncDisposable
{
    public const string ServeArgument = "--serve-baseline";

    private readonly Process process;

    private Baseline(Process process, Uri url)
    {
        this.process = process;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<Baseline> StartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add(typeof(Baseline).Assembly.Location);
        start.ArgumentList.Add(ServeArgument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the baseline server");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new InvalidOperationException("the baseline server exited before listening");
        return new Baseline(process, new Uri(line));
    }

    /// <summary>The child side: serve <c>GET /</c> → <c>{"status":"ok"}</c>, print the URL, stop when stdin closes.</summary>
    public static async Task<int> ServeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/", () => Results.Json(new { status = "ok" }));
        await app.StartAsync();
        Console.WriteLine(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(5000))
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }
}
