using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Map.Modules.Tracker.Domain;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Tracker.Alerts;

/// <summary>
/// Telegram notices of new alerts (tracker spec §7), stored outbox-style: the alerts job writes a <c>pending</c> row per
/// admin chat in its own transaction (never a send inside the job); <see cref="AlertNoticeJob"/> delivers them. A notice
/// is not stored when the same (device, kind, chat) was sent within <c>TRACKER_TG_NOTIFY_MIN_INTERVAL_SEC</c> or is
/// still pending. The rows carry everything a platform outbox needs (key, text, attempts, next attempt, final state),
/// so one can take them over without a schema change.
/// </summary>
internal static class AlertNotices
{
    public static async Task EnqueueAsync(TrackerDbContext db, TrackerOptions options, IReadOnlyList<TrackerAlert> alerts, IReadOnlyDictionary<string, string> labels, DateTime now, CancellationToken cancellationToken)
    {
        if (!options.TelegramNotify || options.TelegramBotToken.Length == 0 || options.AdminTelegramIds.Count == 0)
        {
            return;
        }

        var since = now - options.NotifyMinInterval;
        foreach (var alert in alerts.Where(a => options.NotifySeverities.Contains(a.Severity) && (options.NotifyKinds.Count == 0 || options.NotifyKinds.Contains(a.Kind))))
        {
            foreach (var chat in options.AdminTelegramIds)
            {
                var recent = await db.AlertNotifyLog.AnyAsync(l => l.DeviceId == alert.DeviceId && l.Kind == alert.Kind && l.SentTo == chat && l.SentAt > since, cancellationToken)
                    || await db.AlertNotices.AnyAsync(n => n.DeviceId == alert.DeviceId && n.Kind == alert.Kind && n.ChatId == chat && n.State == AlertNotice.Pending, cancellationToken);
                if (recent)
                {
                    continue;
                }

                db.AlertNotices.Add(new AlertNotice
                {
                    AlertId = alert.Id,
                    DeviceId = alert.DeviceId,
                    UserId = alert.UserId,
                    Kind = alert.Kind,
                    Severity = alert.Severity,
                    ChatId = chat,
                    Text = Text(alert, alert.DeviceId is null ? null : labels.GetValueOrDefault(alert.DeviceId), options.PreferredBaseUrl),
                    CreatedAt = now,
                    NextAttemptAt = now,
                });
            }
        }
    }

    public static string Text(TrackerAlert alert, string? label, string? baseUrl)
    {
        var text = new StringBuilder();
        text.Append('[').Append(alert.Severity.ToUpperInvariant()).Append("] ").Append(alert.Kind).Append(" — ").Append(label ?? alert.DeviceId ?? "?").Append('\n');
        text.Append(alert.Message).Append('\n');
        foreach (var hint in Hints(alert.Kind))
        {
            text.Append("• ").Append(hint).Append('\n');
        }

        if (!string.IsNullOrWhiteSpace(baseUrl))
        {
            text.Append(baseUrl.TrimEnd('/')).Append(alert.DeviceId is null ? "/admin/problems" : "/admin/devices/" + alert.DeviceId);
        }

        return text.ToString().TrimEnd();
    }

    private static string[] Hints(string kind) => kind switch
    {
        AlertKinds.StalePoints => ["Проверьте, что трекинг включён", "Проверьте сеть и GPS на телефоне"],
        AlertKinds.StaleHealth => ["Телефон не выходит на связь", "Проверьте питание и сеть"],
        AlertKinds.BatteryLow => ["Поставьте телефон на зарядку", "Включите режим ECO"],
        AlertKinds.QueueGrowing => ["Точки не уходят на сервер", "Проверьте сеть"],
        AlertKinds.GpsOff => ["Включите геолокацию", "Дайте приложению доступ к местоположению"],
        AlertKinds.NetOffline => ["Проверьте мобильные данные / Wi-Fi"],
        AlertKinds.LowAccuracy => ["Выйдите на открытое место", "Включите режим высокой точности"],
        AlertKinds.AppError => ["Проверьте токен устройства", "При 401/403 — переподключите устройство"],
        AlertKinds.TrackingOff => ["Включите трекинг в приложении"],
        _ => [],
    };

    public static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}

/// <summary>
/// Delivers pending notices (Telegram <c>sendMessage</c>): a claimed notice is leased for two minutes so another worker
/// does not send it too; success → <c>sent</c> + a notify-log row; failure → retried with backoff, <c>failed</c> after
/// <see cref="AlertNotice.MaxAttempts"/>; a notice whose (device, kind, chat) was sent meanwhile → <c>throttled</c>.
/// </summary>
internal sealed class AlertNoticeJob(TrackerDbContext db, TrackerOptions options, IHttpClientFactory http, TimeProvider clock, ILogger<AlertNoticeJob> logger) : IRecurringJob
{
    public const string JobId = "tracker.alert-notices";
    public const string HttpClientName = "tracker-telegram";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claimed = await db.AlertNotices
            .FromSql($"UPDATE tracker.tracker_alert_notices SET next_attempt_at = {now.AddMinutes(2)} WHERE id IN (SELECT id FROM tracker.tracker_alert_notices WHERE state = 'pending' AND next_attempt_at <= {now} ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED) RETURNING *")
            .AsNoTracking().ToListAsync(cancellationToken);
        foreach (var notice in claimed.OrderBy(n => n.Id))
        {
            db.Attach(notice);
            var since = now - options.NotifyMinInterval;
            if (await db.AlertNotifyLog.AnyAsync(l => l.DeviceId == notice.DeviceId && l.Kind == notice.Kind && l.SentTo == notice.ChatId && l.SentAt > since, cancellationToken))
            {
                notice.State = AlertNotice.Throttled;
                await db.SaveChangesAsync(cancellationToken);
                continue;
            }

            notice.Attempts++;
            try
            {
                using var client = http.CreateClient(HttpClientName);
                using var response = await client.PostAsJsonAsync(
                    new Uri(options.TelegramApiBase, $"/bot{options.TelegramBotToken}/sendMessage"),
                    new { chat_id = notice.ChatId, text = notice.Text, disable_web_page_preview = true },
                    cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"Telegram answered {(int)response.StatusCode}");
                }

                notice.State = AlertNotice.Sent;
                notice.SentAt = now;
                db.AlertNotifyLog.Add(new AlertNotifyLog
                {
                    DeviceId = notice.DeviceId,
                    UserId = notice.UserId,
                    Kind = notice.Kind,
                    Severity = notice.Severity,
                    SentTo = notice.ChatId,
                    SentAt = now,
                    Digest = AlertNotices.Digest(notice.Text),
                });
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                logger.LogWarning("Tracker alert notice {Id} not delivered: {Reason}", notice.Id, ex.Message);
                notice.LastError = ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
                notice.State = notice.Attempts >= AlertNotice.MaxAttempts ? AlertNotice.Failed : AlertNotice.Pending;
                notice.NextAttemptAt = now.AddSeconds(30 * Math.Pow(2, notice.Attempts - 1));
            }

            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
