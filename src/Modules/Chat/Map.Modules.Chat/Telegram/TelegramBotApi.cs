using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Map.Modules.Chat.Telegram;

/// <summary>Outcome of one <c>sendMessage</c> call.</summary>
internal sealed record TelegramSendResult(bool Ok, bool Permanent, TimeSpan? RetryAfter, string? Error)
{
    public static TelegramSendResult Success { get; } = new(true, false, null, null);

    public static TelegramSendResult Transient(string error, TimeSpan? retryAfter = null) => new(false, false, retryAfter, error);

    public static TelegramSendResult Rejected(string error) => new(false, true, null, error);
}

/// <summary>
/// The Telegram Bot API's <c>sendMessage</c>, the one sender of admin replies. Errors never contain the URL (it
/// holds the token). 429, 5xx and network failures are transient; any other refusal (blocked bot, unknown chat,
/// bad token) is permanent.
/// </summary>
internal sealed class TelegramBotApi(HttpClient http, TelegramDeliveryOptions options)
{
    public const string HttpClientName = "telegram";

    /// <summary>Telegram's maximum message length, in UTF-16 code units.</summary>
    public const int MaxMessageLength = 4096;

    public async Task<TelegramSendResult> SendMessageAsync(long chatId, string text, CancellationToken cancellationToken)
    {
        var url = new Uri($"{options.ApiBase.AbsoluteUri.TrimEnd('/')}/bot{options.BotToken}/sendMessage");
        var request = new SendMessageRequest(chatId, text, DisableWebPagePreview: true);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(url, request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return TelegramSendResult.Transient($"network: {ex.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TelegramSendResult.Transient("timeout");
        }

        using (response)
        {
            var body = await ReadBodyAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK && body?.Ok == true)
            {
                return TelegramSendResult.Success;
            }

            var error = $"HTTP {(int)response.StatusCode}: {body?.Description ?? response.ReasonPhrase}";
            var status = (int)response.StatusCode;
            if (status == 429)
            {
                var seconds = body?.Parameters?.RetryAfter
                    ?? (response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : (int?)null);
                return TelegramSendResult.Transient(error, seconds is { } s ? TimeSpan.FromSeconds(s) : null);
            }

            return status >= 500 || status == 408 ? TelegramSendResult.Transient(error) : TelegramSendResult.Rejected(error);
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

    private static async Task<TelegramResponse?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<TelegramResponse>(cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or HttpRequestException)
        {
            return null;
        }
    }

    private sealed record SendMessageRequest(
        [property: JsonPropertyName("chat_id")] long ChatId,
        [property: JsonPropertyName("text")] string Text,
        // The predecessor's field: still honoured by the Bot API and by older self-hosted API servers.
        [property: JsonPropertyName("disable_web_page_preview")] bool DisableWebPagePreview);

    private sealed record TelegramResponse(
        [property: JsonPropertyName("ok")] bool Ok,
        [property: JsonPropertyName("description")] string? Description,
        [property: JsonPropertyName("parameters")] TelegramResponseParameters? Parameters);

    private sealed record TelegramResponseParameters([property: JsonPropertyName("retry_after")] int? RetryAfter);
}
