using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Map.Host.Platform.Config;
using Map.SharedKernel;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Map.Host.Platform.Auth;

/// <summary>
/// Authenticates the Telegram bot by the shared <c>BOT_API_KEY</c> in <c>X-API-KEY</c> (or <c>api_key</c> in the
/// query on endpoints that allow it). An empty key configures no bot at all: every bot request is refused.
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

        if (string.IsNullOrEmpty(provided))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!SecretsEqual(provided, settings.BotApiKey))
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid bot key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(MapClaims.AuthKind, MapClaims.AuthKindBot), new Claim(MapClaims.Username, "bot")],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <summary>Constant-time comparison that also hides the secret's length.</summary>
    public static bool SecretsEqual(string provided, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(provided)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
