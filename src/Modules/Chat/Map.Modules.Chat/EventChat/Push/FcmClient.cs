using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Map.Modules.Chat.EventChat.Push;

internal enum FcmOutcome
{
    /// <summary>FCM accepted the message.</summary>
    Sent,

    /// <summary>The device token is no longer valid (404 <c>UNREGISTERED</c>, or 400 <c>INVALID_ARGUMENT</c> about the token): forget it.</summary>
    TokenGone,

    /// <summary>Transient (network, 401, 429, 5xx, the token endpoint failing): try again later.</summary>
    Retry,

    /// <summary>FCM refused the message for good for another reason.</summary>
    Rejected,
}

internal sealed record FcmResult(FcmOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null)
{
    public static FcmResult Sent { get; } = new(FcmOutcome.Sent);
}

/// <summary>One notification for one device token.</summary>
internal sealed record FcmMessage(string Token, string Title, string Body, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// FCM HTTP v1 (<c>POST {base}/v1/projects/{project}/messages:send</c>) with an OAuth access token obtained from the
/// service account's <c>token_uri</c> by a JWT bearer assertion signed RS256 with its key (RFC 7523; what Google's
/// libraries do). The token is cached until five minutes before it expires, and dropped on a 401. Neither the key
/// nor the access token is ever logged; the HTTP client logs nothing.
/// </summary>
internal sealed class FcmClient(Chat2PushOptions options, IHttpClientFactory httpClients, TimeProvider clock) : IDisposable
{
    public const string HttpClientName = "chat2-fcm";
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";

    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim tokenLock = new(1, 1);
    private AccessToken? cached;

    public async Task<FcmResult> SendAsync(FcmMessage message, CancellationToken cancellationToken)
    {
        var account = options.Account ?? throw new InvalidOperationException("Push is not configured.");
        string accessToken;
        try
        {
            accessToken = await AccessTokenAsync(account, cancellationToken);
        }
        catch (FcmAuthException ex)
        {
            return new FcmResult(FcmOutcome.Retry, ex.Message);
        }

        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{options.ApiBase.AbsoluteUri.TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(account.ProjectId)}/messages:send")
        {
            Content = JsonContent.Create(new SendRequest(new Message(message.Token, new Notification(message.Title, message.Body), message.Data))),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new FcmResult(FcmOutcome.Retry, $"FCM unreachable ({ex.GetType().Name})");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return FcmResult.Sent;
            }

            var status = (int)response.StatusCode;
            var error = await ErrorAsync(response, cancellationToken);
            var described = $"FCM answered {status} {error.Status}{(error.Code is null ? "" : "/" + error.Code)}".TrimEnd();
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                cached = null; // revoked or expired early: fetch a fresh one on the next attempt
                return new FcmResult(FcmOutcome.Retry, described);
            }

            if (status == 429 || status >= 500)
            {
                return new FcmResult(FcmOutcome.Retry, described, RetryAfter(response));
            }

            // Only FCM's own error body deletes a token: a 404 page of a wrong CHAT2_FCM_API_BASE must not.
            var gone = error.Code == "UNREGISTERED"
                || (response.StatusCode == HttpStatusCode.NotFound && error.Status == "NOT_FOUND")
                || (error.Status == "INVALID_ARGUMENT" && error.Message?.Contains("token", StringComparison.OrdinalIgnoreCase) == true);
            return new FcmResult(gone ? FcmOutcome.TokenGone : FcmOutcome.Rejected, described);
        }
    }

    public void Dispose() => tokenLock.Dispose();

    private async Task<string> AccessTokenAsync(FcmServiceAccount account, CancellationToken cancellationToken)
    {
        if (cached is { } fresh && clock.GetUtcNow() < fresh.RefreshAt)
        {
            return fresh.Value;
        }

        await tokenLock.WaitAsync(cancellationToken);
        try
        {
            if (cached is { } other && clock.GetUtcNow() < other.RefreshAt)
            {
                return other.Value;
            }

            var now = clock.GetUtcNow();
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ["assertion"] = Assertion(account, now),
            });
            HttpResponseMessage response;
            try
            {
                response = await httpClients.CreateClient(HttpClientName).PostAsync(account.TokenUri, form, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new FcmAuthException($"token endpoint unreachable ({ex.GetType().Name})");
            }

            using (response)
            {
                TokenResponse? body = null;
                try
                {
                    body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
                }
                catch (JsonException)
                {
                }

                if (!response.IsSuccessStatusCode || string.IsNullOrEmpty(body?.AccessToken))
                {
                    // The OAuth error code ("invalid_grant", ...) says what is wrong and holds no secret.
                    throw new FcmAuthException($"token endpoint answered {(int)response.StatusCode} {body?.Error}".TrimEnd());
                }

                var lifetime = TimeSpan.FromSeconds(Math.Clamp(body.ExpiresIn ?? 3600, 0, 86_400));
                var refreshAt = now + (lifetime > RefreshMargin * 2 ? lifetime - RefreshMargin : lifetime / 2);
                cached = new AccessToken(body.AccessToken, refreshAt);
                return body.AccessToken;
            }
        }
        finally
        {
            tokenLock.Release();
        }
    }

    /// <summary>The signed JWT of the service account asking for the FCM scope, valid for an hour (Google's maximum).</summary>
    private static string Assertion(FcmServiceAccount account, DateTimeOffset now)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT" }));
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new
        {
            iss = account.ClientEmail,
            scope = Scope,
            aud = account.TokenUri.ToString(),
            iat = now.ToUnixTimeSeconds(),
            exp = now.AddHours(1).ToUnixTimeSeconds(),
        }));
        var signed = header + "." + claims;
        using var key = account.CreateKey();
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter is { } retry
            ? retry.Delta ?? (retry.Date is { } date ? date - clock.GetUtcNow() : null)
            : null;

    /// <summary>The v1 error body: <c>{"error":{"status","message","details":[{"errorCode"}]}}</c>; empty when it is not one.</summary>
    private static async Task<(string? Status, string? Code, string? Message)> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null, null);
            }

            string? Text(JsonElement element, string name) =>
                element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

            var code = error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array
                ? details.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Object).Select(d => Text(d, "errorCode")).FirstOrDefault(c => c is not null)
                : null;
            return (Text(error, "status"), code, Text(error, "message"));
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }

    private sealed record AccessToken(string Value, DateTimeOffset RefreshAt);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int? ExpiresIn,
        [property: JsonPropertyName("error")] string? Error);

    private sealed record SendRequest([property: JsonPropertyName("message")] Message Message);

    private sealed record Message(
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("notification")] Notification Notification,
        [property: JsonPropertyName("data")] IReadOnlyDictionary<string, string> Data);

    private sealed record Notification([property: JsonPropertyName("title")] string Title, [property: JsonPropertyName("body")] string Body);
}

internal sealed class FcmAuthException(string message) : Exception(message);
