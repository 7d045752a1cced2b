using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Carter;

namespace Map.Modules.Tracker.Features.LanInfo;

/// <summary>
/// <c>GET /api/system/lan-info</c> (editor; admin-platform spec §4.6): base-URL hints for phone onboarding — this
/// machine's LAN IPv4 addresses (sorted, without 127/8, 0/8, 169.254/16), the port of the request's Host (default
/// 5000), <c>BOOTSTRAP_PREFERRED_BASE_URL</c>, the current origin (https for a trycloudflare.com host), and the
/// deduplicated recommendations in that order.
/// </summary>
internal sealed class LanInfoEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/system/lan-info", (HttpContext context, TrackerOptions options) =>
        {
            var host = context.Request.Host;
            var port = host.Port ?? 5000;
            var scheme = host.Host.EndsWith("trycloudflare.com", StringComparison.OrdinalIgnoreCase) ? "https" : context.Request.Scheme;
            var current = $"{scheme}://{host}".TrimEnd('/');
            var ips = LanAddresses();
            var recommended = new List<string>();
            foreach (var url in new[] { options.PreferredBaseUrl, current }.Concat(ips.Select(ip => $"http://{ip}:{port}")))
            {
                if (!string.IsNullOrEmpty(url) && !recommended.Contains(url, StringComparer.OrdinalIgnoreCase))
                {
                    recommended.Add(url);
                }
            }

            return Results.Json(new LanInfoJson(
                ips,
                port,
                options.PreferredBaseUrl,
                current,
                recommended,
                "The phone must reach the base URL: use a LAN address on the same network, or the public URL (BOOTSTRAP_PREFERRED_BASE_URL)."));
        }).RequireAuthorization(MapPolicies.Editor).Produces<LanInfoJson>();

    private static List<string> LanAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork && IsLan(a))
                .Select(a => a.ToString())
                .Distinct()
                .OrderBy(a => a, StringComparer.Ordinal)];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static bool IsLan(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes[0] is not (127 or 0) && !(bytes[0] == 169 && bytes[1] == 254);
    }
}

internal sealed record LanInfoJson(List<string> Ips, int Port, string? PreferredBaseUrl, string CurrentOrigin, List<string> RecommendedBaseUrls, string Note);
