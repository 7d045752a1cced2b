using System.Net;
using Map.Host.Platform.Auth;
using Map.Host.Platform.Config;
using Prometheus;

namespace Map.Host.Platform.Metrics;

internal static class MetricsSetup
{
    /// <summary>
    /// Prometheus text at <c>METRICS_PATH</c>: HTTP counts and durations by route and status, process and .NET
    /// runtime series, and the modules' own counters. <c>ENABLE_METRICS=0</c> → 404; otherwise allowed from
    /// loopback, with <c>X-API-KEY</c> = <c>METRICS_API_KEY</c> (or <c>Authorization: Bearer</c> with that key, which is
    /// what Prometheus sends), or for everyone with <c>METRICS_ALLOW_PUBLIC=1</c>.
    /// </summary>
    public static void MapMapMetrics(this WebApplication app, MapSettings settings)
    {
        if (!settings.MetricsEnabled)
        {
            app.Map(settings.MetricsPath, (HttpContext context) =>
                ApiErrors.WriteAsync(context, StatusCodes.Status404NotFound, "metrics_disabled"));
            return;
        }

        ModuleCountersExport.Register(app.Services.GetServices<IModuleCounters>());
        app.MapMetrics(settings.MetricsPath)
            .WithSummary("Prometheus text exposition: from loopback, or with METRICS_API_KEY (Bearer or X-API-KEY), or for all with METRICS_ALLOW_PUBLIC=1")
            .AuthenticatedBy(ApiAuthSchemes.MetricsKey);
    }

    /// <summary>Answers 403 before the exporter runs when the caller may not read metrics.</summary>
    public static IApplicationBuilder UseMetricsAccess(this IApplicationBuilder app, MapSettings settings) =>
        app.UseWhen(
            // Routing also matches the path with a trailing slash, so the check must too.
            context => settings.MetricsEnabled
                && string.Equals(context.Request.Path.Value?.TrimEnd('/'), settings.MetricsPath, StringComparison.OrdinalIgnoreCase),
            branch => branch.Use(async (context, next) =>
            {
                if (MayRead(context, settings))
                {
                    await next(context);
                    return;
                }

                await ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden");
            }));

    private static bool MayRead(HttpContext context, MapSettings settings)
    {
        if (settings.MetricsAllowPublic)
        {
            return true;
        }

        var key = PresentedKey(context.Request);
        if (settings.MetricsApiKey.Length > 0 && !string.IsNullOrEmpty(key)
            && BotKeyAuthenticationHandler.SecretsEqual(key, settings.MetricsApiKey))
        {
            return true;
        }

        return context.Connection.RemoteIpAddress is { } peer
            && IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);
    }

    /// <summary>
    /// The key from <c>X-API-KEY</c>, else from <c>Authorization: Bearer</c>: Prometheus (Debian's 2.42 included)
    /// sends no custom headers, only a bearer credential read from a file (deploy/prometheus/prometheus.yml).
    /// </summary>
    private static string? PresentedKey(HttpRequest request)
    {
        string? key = request.Headers[BotKeyAuthenticationHandler.HeaderName];
        if (!string.IsNullOrEmpty(key))
        {
            return key;
        }

        const string Bearer = "Bearer ";
        string? authorization = request.Headers.Authorization;
        return authorization is not null && authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            ? authorization[Bearer.Length..].Trim()
            : null;
    }
}
