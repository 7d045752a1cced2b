using System.Globalization;
using System.Text.Json;
using Map.Modules.Tracker.Domain;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.ReplyMarkups;

namespace Map.Modules.Tracker.Onboarding;

/// <summary>
/// The outbox message "send the officer their DutyTracker link" for one approval (<see cref="Seq"/> =
/// <see cref="ConnectRequest.IssueSeq"/> at approval). It holds no token or code: those are issued at delivery.
/// </summary>
internal sealed record ConnectLinkMessage(int RequestId, string TgUserId, int Seq)
{
    public const string Type = "tracker.connect_link";

    public OutboxMessage ToOutbox() => new(Type, "telegram:" + TgUserId, JsonSerializer.Serialize(this, WireJson.Options));

    public static ConnectLinkMessage Read(OutboxEnvelope envelope) => JsonSerializer.Deserialize<ConnectLinkMessage>(envelope.Payload, WireJson.Options)!;
}

/// <summary>
/// Delivers <see cref="ConnectLinkMessage"/>: under the request's row lock, issues a fresh token and pair code
/// (revoking earlier ones), sends the Telegram message with the <c>/open/dutytracker?token=</c> button, and commits
/// only when Telegram accepted it. A failed attempt rolls the token back (nothing half-issued) and records
/// <c>send_ok=false</c> and <c>last_send_error</c>; the outbox retries with backoff. A message of an older approval, or
/// of a request denied or reset meanwhile, is skipped, so concurrent approvals send one code.
/// </summary>
internal sealed class ConnectLinkHandler(TrackerDbContext db, TrackerOptions options, BootstrapIssuer issuer, TimeProvider clock, IHttpClientFactory httpClients) : IOutboxHandler
{
    public OutboxRetryPolicy RetryPolicy { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), 8);

    public async Task<bool> IsStillNeededAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var payload = ConnectLinkMessage.Read(message);
        return await db.ConnectRequests.AsNoTracking()
            .AnyAsync(r => r.Id == payload.RequestId && r.Status == ConnectRequest.Approved && r.IssueSeq == payload.Seq, cancellationToken);
    }

    public async Task<OutboxResult> DeliverAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var payload = ConnectLinkMessage.Read(message);
        var now = clock.GetUtcNow().UtcDateTime;
        string error;
        bool permanent;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var request = await db.LockRequestAsync(payload.TgUserId, cancellationToken);
            if (request is null || request.Id != payload.RequestId || request.Status != ConnectRequest.Approved || request.IssueSeq != payload.Seq)
            {
                return OutboxResult.Skipped;
            }

            if (options.TelegramBotToken.Length == 0)
            {
                (error, permanent) = ("TELEGRAM_BOT_TOKEN is not set", true);
            }
            else if (request.BaseUrl is null || !OnboardingInput.IsHttpBase(request.BaseUrl, out _))
            {
                (error, permanent) = ("no http(s) base URL for the link", true);
            }
            else
            {
                var issued = await issuer.IssueAsync(request.TgUserId, "TG " + request.TgUserId, request.BaseUrl, now, cancellationToken);
                (var sent, error, permanent) = await SendAsync(request.TgUserId, issued, request.BaseUrl, cancellationToken);
                if (sent)
                {
                    request.LastTokenId = issued.TokenId;
                    request.LastIssuedAt = now;
                    request.LastSentAt = now;
                    request.LastSentVia = "auto";
                    request.SendOk = true;
                    request.LastSendError = null;
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return OutboxResult.Delivered;
                }
            }

            await transaction.RollbackAsync(cancellationToken);
        }

        db.ChangeTracker.Clear();
        var clipped = StoredText.Clip(error, ConnectRequest.SendErrorMaxLength);
        await db.ConnectRequests
            .Where(r => r.Id == payload.RequestId && r.IssueSeq == payload.Seq)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.SendOk, false).SetProperty(x => x.LastSendError, clipped), cancellationToken);
        return permanent ? OutboxResult.Rejected(error) : OutboxResult.Retry(error);
    }

    /// <summary>The officer's message: the code and a button to the link page. Errors never carry the URL (it holds the bot token).</summary>
    private async Task<(bool Sent, string Error, bool Permanent)> SendAsync(string tgUserId, IssuedBootstrap issued, string baseUrl, CancellationToken cancellationToken)
    {
        var link = $"{baseUrl}/open/dutytracker?token={Uri.EscapeDataString(issued.Token)}";
        var text = $"Подключение DutyTracker одобрено.\nКод привязки: {issued.PairCode} (действует {issued.ExpiresInMin} мин).\nНажмите кнопку на телефоне с установленным DutyTracker.";
        var client = new TelegramBotClient(
            new TelegramBotClientOptions(options.TelegramBotToken, options.TelegramApiBase.AbsoluteUri.TrimEnd('/')) { RetryCount = 0 },
            httpClients.CreateClient(Alerts.AlertNoticeJob.HttpClientName),
            cancellationToken);
        try
        {
            await client.SendMessage(
                long.Parse(tgUserId, NumberStyles.None, CultureInfo.InvariantCulture),
                text,
                replyMarkup: new InlineKeyboardMarkup(InlineKeyboardButton.WithUrl("Открыть DutyTracker", link)),
                cancellationToken: cancellationToken);
            return (true, "", false);
        }
        catch (ApiRequestException ex)
        {
            var transient = ex.ErrorCode is 429 or 408 or >= 500;
            return (false, $"HTTP {ex.ErrorCode}: {ex.Message}", !transient);
        }
        catch (RequestException ex)
        {
            var status = ex.HttpStatusCode is { } code ? (int)code : 0;
            var transient = status is 0 or 408 or 429 or >= 500;
            return (false, ex.InnerException is HttpRequestException http ? $"network: {http.HttpRequestError}" : $"HTTP {status}", !transient);
        }
        catch (HttpRequestException ex)
        {
            return (false, $"network: {ex.HttpRequestError}", false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, "timeout", false);
        }
    }
}
