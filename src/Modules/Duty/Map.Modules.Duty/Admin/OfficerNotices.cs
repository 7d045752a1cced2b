using System.Globalization;
using Map.Modules.Duty.Domain;

namespace Map.Modules.Duty.Admin;

/// <summary>The officer notifications of duty spec §2.8 (kinds and texts), created in the transaction of their change.</summary>
internal static class OfficerNotices
{
    public static DutyNotification SosAcked(SosAlert sos, DateTime now) =>
        DutyNotification.Create(sos.UserId, now, "sos_acked", "🆘 SOS принят оператором, помощь в пути.", new { sos_id = sos.Id });

    public static DutyNotification SosClosed(SosAlert sos, DateTime now) =>
        DutyNotification.Create(sos.UserId, now, "sos_closed", "✅ SOS закрыт оператором.", new { sos_id = sos.Id });

    public static DutyNotification BreakStarted(BreakRequest b, DateTime now) =>
        DutyNotification.Create(b.UserId, now, "break_started",
            $"🍽 Перерыв на {b.DurationMin} мин одобрен. Окончание в {b.EndsAt!.Value.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} (UTC).",
            new { break_id = b.Id, ends_at = b.EndsAt });

    public static DutyNotification BreakDue(BreakRequest b, DateTime now) =>
        DutyNotification.Create(b.UserId, now, "break_due", "⏰ Время перерыва истекло, ожидайте отметки оператора.", new { break_id = b.Id });

    public static DutyNotification BreakEnded(BreakRequest b, DateTime now) =>
        DutyNotification.Create(b.UserId, now, "break_ended", "✅ Перерыв завершён оператором.", new { break_id = b.Id });
}
