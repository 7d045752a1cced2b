using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Wire;

namespace Map.Modules.Duty.Jobs;

/// <summary>
/// SOS escalation (decision 0084), driven by PostgreSQL state only: an <c>open</c> SOS whose <c>next_escalation_at</c>
/// passed is claimed by one conditional <c>UPDATE … RETURNING</c> (step + 1, next time + <c>DUTY_SOS_REPEAT_SEC</c>). In
/// the same transaction the journal gets <c>SOS_ESCALATED</c> and, when <c>DUTY_ESCALATION_CHAT_ID</c> is set, the
/// platform outbox gets the Telegram message (retried with backoff until delivered or the SOS is no longer open). After
/// the commit editors receive <c>sos_escalated</c>. A restart loses nothing (the due time is stored); a second worker
/// running the same scan claims nothing twice (the row's update re-checks the due time); ack and close clear the due time.
/// </summary>
internal sealed class SosEscalationJob(DutyDbContext db, DutyOptions options, IOutbox outbox, TimeProvider clock, IEventBus events) : IRecurringJob
{
    public const string JobId = "duty.sos-escalation";
    public const string Cron = "*/10 * * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var next = now + options.SosRepeat;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = await db.SosAlerts.FromSql(
            $"""
            UPDATE duty.sos_alerts SET escalation_step = escalation_step + 1, next_escalation_at = {next}
            WHERE status = 'open' AND next_escalation_at IS NOT NULL AND next_escalation_at <= {now}
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        foreach (var sos in due)
        {
            db.Events.Add(DutyEvent.Create(sos.UserId, sos.ShiftId, now, DutyEventTypes.SosEscalated, DutyEvent.ActorSystem, new { sos_id = sos.Id, step = sos.EscalationStep }));
            if (options.TelegramEscalation)
            {
                await outbox.AddAsync(db.Database, SosEscalationMessage.For(options.EscalationChatId!.Value, sos), cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var sos in due)
        {
            await events.PublishAsync(DutyEvents.SosEscalated(sos.ToData(), sos.EscalationStep), cancellationToken);
        }
    }
}

/// <summary>The outbox message of one escalation step: one key per escalation chat, so steps arrive in order.</summary>
internal static class SosEscalationMessage
{
    public const string Type = "duty.sos_escalation";

    public static OutboxMessage For(long chatId, SosAlert sos) =>
        new(Type, "telegram:" + chatId.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(new Payload(chatId, sos.Id, sos.EscalationStep, Text(sos))));

    public static Payload Read(OutboxEnvelope envelope) => JsonSerializer.Deserialize<Payload>(envelope.Payload)!;

    private static string Text(SosAlert sos)
    {
        var who = string.IsNullOrEmpty(sos.UnitLabel) ? $"TG {sos.UserId}" : $"{sos.UnitLabel} (TG {sos.UserId})";
        var where = sos.Lat is { } lat && sos.Lon is { } lon
            ? string.Create(CultureInfo.InvariantCulture, $"{lat:0.000000}, {lon:0.000000}")
            : "координаты неизвестны";
        return $"🆘 SOS #{sos.Id} не принят оператором (напоминание {sos.EscalationStep})\n{who}\n{where}\nсоздан {WireJson.Format(sos.CreatedAt)}"
            + (string.IsNullOrEmpty(sos.Note) ? "" : "\n" + sos.Note);
    }

    internal sealed record Payload(
        [property: JsonPropertyName("chat_id")] long ChatId,
        [property: JsonPropertyName("sos_id")] int SosId,
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("text")] string Text);
}

/// <summary>
/// Sends an escalation step through the Telegram Bot API (<c>sendMessage</c>) for the platform outbox. A step still
/// not yet sent when its SOS is no longer open is dropped (the operator has it). 429/5xx/network failures retry.
/// </summary>
internal sealed class SosEscalationHandler(DutyDbContext db, DutyOptions options, IHttpClientFactory httpClients) : IOutboxHandler
{
    public const string HttpClientName = "duty.telegram";

    public async Task<bool> IsStillNeededAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var sosId = SosEscalationMessage.Read(message).SosId;
        return await db.SosAlerts.AsNoTracking().AnyAsync(s => s.Id == sosId && s.Status == SosAlert.Open, cancellationToken);
    }

    public async Task<OutboxResult> DeliverAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        if (options.TelegramBotToken.Length == 0)
        {
            return OutboxResult.Rejected("TELEGRAM_BOT_TOKEN is not set");
        }

        var payload = SosEscalationMessage.Read(message);
        if (!await IsStillNeededAsync(message, cancellationToken))
        {
            return OutboxResult.Skipped; // acked or closed meanwhile: the operator has it
        }

        var http = httpClients.CreateClient(HttpClientName);
        // Concatenated, not resolved: the token's ':' would make "bot123:abc/..." a URI scheme.
        var url = new Uri($"{options.TelegramApiBase.AbsoluteUri.TrimEnd('/')}/bot{options.TelegramBotToken}/sendMessage");
        try
        {
            // A buffered body with its length (never chunked: some proxies in front of the Bot API refuse that).
            using var content = new StringContent(JsonSerializer.Serialize(new { chat_id = payload.ChatId, text = payload.Text }), System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url, content, cancellationToken);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? OutboxResult.Delivered
                : status is 429 or 408 or >= 500 ? OutboxResult.Retry($"HTTP {status}") : OutboxResult.Rejected($"HTTP {status}");
        }
        catch (HttpRequestException ex)
        {
            return OutboxResult.Retry($"network: {ex.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return OutboxResult.Retry("timeout");
        }
    }
}
