using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Map.Host.Platform.Config;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Map.Host.Platform.Auth;

/// <summary>
/// Authenticates the Telegram bot by the shared <c>BOT_API_KEY</c> in <c>X-API-KEY</c> (or <c>api_key</c> in the
/// query on endpoints that allow it). An empty key configures no bot at all: every bot request is refused.
/// On the few routes marked <see cref="AllowTrustedBotNetworkAttribute"/>, a request that sends no key at all counts as
/// the bot when its client address (as the forwarded-headers middleware set it, trusted proxies only) is in
/// <c>BOT_TRUSTED_NETWORKS</c>; a key that is sent is always checked, so a wrong key is refused there too (decision 0070).
/// </summary>
internal sealed class BotKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MapSettings settings) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderName = "X-API-KEY";
    public const string QueryName = "api_key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (settings.BotApiKey.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string? provided = Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(provided)
            && Context.GetEndpoint()?.Metadata.GetMetadata<AllowApiKeyInQueryAttribute>() is not null)
        {
            provided = Request.Query[QueryName];
        }

        if (Request.Headers.ContainsKey(HeaderName) && string.IsNullOrEmpty(provided))
        {
            // An empty X-API-KEY is a wrong key, not a missing one (the trusted networks never apply to it).
            return Task.FromResult(AuthenticateResult.Fail("Invalid bot key."));
        }

        if (string.IsNullOrEmpty(provided))
        {
            return Task.FromResult(FromTrustedNetwork() ? Bot(MapClaims.BotViaTrustedNetwork) : AuthenticateResult.NoResult());
        }

        if (!SecretsEqual(provided, settings.BotApiKey))
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid bot key."));
        }

        return Task.FromResult(Bot(MapClaims.BotViaKey));
    }

    private bool FromTrustedNetwork()
    {
        if (settings.BotTrustedNetworks.Count == 0
            || Context.GetEndpoint()?.Metadata.GetMetadata<AllowTrustedBotNetworkAttribute>() is null
            || Context.Connection.RemoteIpAddress is not { } address)
        {
            return false;
        }

        var client = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return settings.BotTrustedNetworks.Any(network => network.Contains(client));
    }

    private AuthenticateResult Bot(string via)
    {
        var identity = new ClaimsIdentity(
            [new Claim(MapClaims.AuthKind, MapClaims.AuthKindBot), new Claim(MapClaims.Username, "bot"), new Claim(MapClaims.BotVia, via)],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    /// <summary>Constant-time comparison that also hides the secret's length.</summary>
    public static bool SecretsEqual(string provided, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(provided)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
