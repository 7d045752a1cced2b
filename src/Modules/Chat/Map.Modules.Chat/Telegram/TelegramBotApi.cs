using System.Globalization;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace Map.Modules.Chat.Telegram;

/// <summary>Outcome of one <c>sendMessage</c> call.</summary>
internal sealed record TelegramSendResult(bool Ok, bool Permanent, TimeSpan? RetryAfter, string? Error)
{
    public static TelegramSendResult Success { get; } = new(true, false, null, null);

    public static TelegramSendResult Transient(string error, TimeSpan? retryAfter = null) => new(false, false, retryAfter, error);

    public static TelegramSendResult Rejected(string error) => new(false, true, null, error);
}

/// <summary>
/// The Telegram Bot API's <c>sendMessage</c> through the <c>Telegram.Bot</c> client, on the named HttpClient
/// <see cref="HttpClientName"/> (request logging removed: URLs hold the token; bodies buffered, never chunked).
/// Errors never contain the URL. 429, 408, 5xx and network failures are transient; any other refusal (blocked bot,
/// unknown chat, bad token) is permanent. The client's own retries are off: the outbox schedules retries.
/// </summary>
internal sealed class TelegramBotApi(IHttpClientFactory httpClients, TelegramDeliveryOptions options)
{
    public const string HttpClientName = "telegram";

    /// <summary>Telegram's maximum message length, in UTF-16 code units.</summary>
    public const int MaxMessageLength = 4096;

    private static readonly LinkPreviewOptions NoPreview = new() { IsDisabled = true };

    public async Task<TelegramSendResult> SendMessageAsync(long chatId, string text, CancellationToken cancellationToken)
    {
        var client = new TelegramBotClient(
            new TelegramBotClientOptions(options.BotToken, options.ApiBase.AbsoluteUri.TrimEnd('/')) { RetryCount = 0 },
            httpClients.CreateClient(HttpClientName),
            cancellationToken);
        try
        {
            await client.SendMessage(chatId, text, linkPreviewOptions: NoPreview, cancellationToken: cancellationToken);
            return TelegramSendResult.Success;
        }
        catch (ApiRequestException ex)
        {
            var error = $"HTTP {ex.ErrorCode}: {ex.Message}";
            if (ex.ErrorCode == 429)
            {
                return TelegramSendResult.Transient(error, ex.Parameters?.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
            }

            return ex.ErrorCode >= 500 || ex.ErrorCode == 408 ? TelegramSendResult.Transient(error) : TelegramSendResult.Rejected(error);
        }
        catch (RequestException ex)
        {
            // No usable API answer: a network failure, a timeout, or a proxy's non-JSON error page.
            var status = ex.HttpStatusCode is { } code ? (int)code : 0;
            var reason = ex.InnerException is HttpRequestException http ? $"network: {http.HttpRequestError}" : $"HTTP {status}";
            return status is > 0 and < 500 and not 408 and not 429 ? TelegramSendResult.Rejected(reason) : TelegramSendResult.Transient(reason);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TelegramSendResult.Transient("timeout");
        }
        catch (HttpRequestException ex)
        {
            return TelegramSendResult.Transient($"network: {ex.HttpRequestError}");
        }
    }

    /// <summary>Splits a text into Telegram-sized parts without cutting a surrogate pair.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var parts = new List<string>();
        var start = 0;
        while (text.Length - start > MaxMessageLength)
        {
            var length = MaxMessageLength;
            if (char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            parts.Add(text.Substring(start, length));
            start += length;
        }

        parts.Add(text[start..]);
        return parts;
    }

    /// <summary>Telegram chat ids are integers; other dialog keys (test users, legacy ids) cannot be sent to.</summary>
    public static bool TryParseChatId(string userId, out long chatId)
    {
        chatId = 0;
        return userId.Length > 0 && userId.All(char.IsAsciiDigit)
            && long.TryParse(userId, NumberStyles.None, CultureInfo.InvariantCulture, out chatId);
    }
}

/// <summary>Buffers each request body so it goes with a Content-Length (some proxies refuse chunked requests).</summary>
internal sealed class BufferedRequestHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content && content.Headers.ContentLength is null)
        {
            var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
            var buffered = new ByteArrayContent(bytes);
            foreach (var header in content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            buffered.Headers.ContentLength = bytes.Length;
            request.Content = buffered;
            content.Dispose();
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
