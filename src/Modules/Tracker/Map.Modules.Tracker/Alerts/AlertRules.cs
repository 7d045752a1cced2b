using System.Globalization;
using Map.Modules.Tracker.Domain;

namespace Map.Modules.Tracker.Alerts;

/// <summary>What the job knows about one device at a tick.</summary>
internal sealed record DeviceFacts(string DeviceId, string UserId, DeviceHealth? Health, DateTime? LastPointAt, int? ActiveShiftId);

/// <summary>
/// A raised condition. <see cref="ChangeKey"/> decides whether an active alert is re-written and re-announced: severity
/// and message, and for the stale kinds severity only (their age grows every tick; the predecessor re-broadcast them).
/// </summary>
internal sealed record AlertCondition(string Kind, string Severity, string Message, object Payload, string ChangeKey);

/// <summary>The rules of tracker spec §7, one per kind; a pure function of the facts, the thresholds and the time.</summary>
internal static class AlertRules
{
    public static IReadOnlyDictionary<string, AlertCondition?> Evaluate(DeviceFacts facts, TrackerOptions options, DateTime now)
    {
        var result = AlertKinds.Evaluated.ToDictionary(kind => kind, _ => (AlertCondition?)null);
        if (facts.LastPointAt is { } last && now - last > options.StalePoints)
        {
            var age = now - last;
            var severity = age < options.StalePoints * 2 ? AlertSeverity.Warn : AlertSeverity.Crit;
            result[AlertKinds.StalePoints] = new(AlertKinds.StalePoints, severity, $"Нет точек {(int)age.TotalMinutes} мин",
                new { last_point_ts = last, age_sec = (long)age.TotalSeconds }, severity);
        }

        if (facts.Health is not { } h)
        {
            return result;
        }

        var healthAge = now - h.UpdatedAt;
        if (healthAge > options.StaleHealth)
        {
            var severity = healthAge < options.StaleHealth * 2 ? AlertSeverity.Warn : AlertSeverity.Crit;
            result[AlertKinds.StaleHealth] = new(AlertKinds.StaleHealth, severity, $"Нет health {(int)healthAge.TotalMinutes} мин",
                new { last_health_ts = h.UpdatedAt, age_sec = (long)healthAge.TotalSeconds }, severity);
        }

        if (h.BatteryPct is { } battery && h.IsCharging != true && battery <= options.BatteryLow)
        {
            result[AlertKinds.BatteryLow] = Condition(AlertKinds.BatteryLow, battery <= options.BatteryCrit ? AlertSeverity.Crit : AlertSeverity.Warn,
                $"Батарея {battery}%", new { battery_pct = battery, is_charging = h.IsCharging });
        }

        if (h.QueueSize is { } queue && queue >= options.QueueWarn)
        {
            result[AlertKinds.QueueGrowing] = Condition(AlertKinds.QueueGrowing, queue >= options.QueueCrit ? AlertSeverity.Crit : AlertSeverity.Warn,
                $"Очередь {queue}", new { queue_size = queue });
        }

        if (h.Gps is "off" or "denied")
        {
            result[AlertKinds.GpsOff] = Condition(AlertKinds.GpsOff, h.Gps == "denied" ? AlertSeverity.Crit : AlertSeverity.Warn, $"GPS: {h.Gps}", new { gps = h.Gps });
        }

        if (h.Net is "none" or "offline")
        {
            result[AlertKinds.NetOffline] = Condition(AlertKinds.NetOffline, h.TrackingOn == true ? AlertSeverity.Crit : AlertSeverity.Warn,
                $"Сеть: {h.Net}", new { net = h.Net, tracking_on = h.TrackingOn });
        }

        if (h.TrackingOn == true && h.AccuracyM is { } accuracy && accuracy >= options.AccuracyWarnM)
        {
            result[AlertKinds.LowAccuracy] = Condition(AlertKinds.LowAccuracy, accuracy >= options.AccuracyCritM ? AlertSeverity.Crit : AlertSeverity.Warn,
                $"Точность {Math.Round(accuracy).ToString(CultureInfo.InvariantCulture)} м", new { accuracy_m = accuracy, warn_m = options.AccuracyWarnM, crit_m = options.AccuracyCritM });
        }

        if (!string.IsNullOrWhiteSpace(h.LastError))
        {
            var error = h.LastError.Trim();
            var auth = error.Contains("401", StringComparison.Ordinal) || error.Contains("403", StringComparison.Ordinal)
                || error.Contains("unauthor", StringComparison.OrdinalIgnoreCase);
            result[AlertKinds.AppError] = Condition(AlertKinds.AppError, auth ? AlertSeverity.Crit : AlertSeverity.Warn,
                "Ошибка: " + (error.Length > 140 ? error[..140] : error), new { last_error = error });
        }

        if (facts.ActiveShiftId is { } shift && h.TrackingOn == false)
        {
            result[AlertKinds.TrackingOff] = Condition(AlertKinds.TrackingOff, AlertSeverity.Warn, "Трекинг выключен (в смене)", new { tracking_on = false, shift_id = shift });
        }

        return result;
    }

    private static AlertCondition Condition(string kind, string severity, string message, object payload) =>
        new(kind, severity, message, payload, Key(severity, message));

    /// <summary>The state an active alert is compared on: severity and message (which carries the value).</summary>
    public static string Key(string severity, string message) => severity + "|" + message;

    public static string KeyOf(TrackerAlert alert) =>
        alert.Kind is AlertKinds.StalePoints or AlertKinds.StaleHealth ? alert.Severity : Key(alert.Severity, alert.Message ?? "");
}
