using System.Globalization;
using System.Text.Json;
using FluentValidation;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Shifts;
using Map.Modules.Duty.Wire;

namespace Map.Modules.Duty.Bot;

/// <summary>
/// The rate-limit buckets of duty spec §5 (bot endpoints only). Spec buckets that share one variable (shift start/end,
/// sos and sos/last) are one platform bucket each whose partition key starts with the spec bucket's name, so each is
/// still counted separately (the platform requires one bucket per variable).
/// </summary>
internal static class DutyBuckets
{
    public const string Shift = "duty_shift";
    public const string Checkin = "duty_checkin";
    public const string LiveLocation = "duty_live_location";
    public const string TrackingStop = "duty_tracking_stop";
    public const string Sos = "duty_sos";
    public const string BreakRequest = "duty_break_request";
    public const string SetUnit = "duty_set_unit";

    public static readonly (string Bucket, string Part) ShiftStart = (Shift, "duty_shift_start");
    public static readonly (string Bucket, string Part) ShiftEnd = (Shift, "duty_shift_end");
    public static readonly (string Bucket, string Part) SosNow = (Sos, "duty_sos");
    public static readonly (string Bucket, string Part) SosLast = (Sos, "duty_sos_last");

    public static IReadOnlyList<RateLimitBucket> All { get; } =
    [
        new(Shift, "RATE_LIMIT_DUTY_SHIFT_PER_MINUTE", 120, RateLimitBodyStyle.Minimal),
        new(Checkin, "RATE_LIMIT_DUTY_CHECKIN_PER_MINUTE", 240, RateLimitBodyStyle.Minimal),
        new(LiveLocation, "RATE_LIMIT_DUTY_LIVE_PER_MINUTE", 600, RateLimitBodyStyle.Minimal),
        new(TrackingStop, "RATE_LIMIT_DUTY_TRACKING_STOP_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(Sos, "RATE_LIMIT_DUTY_SOS_PER_MINUTE", 30, RateLimitBodyStyle.Minimal),
        new(BreakRequest, "RATE_LIMIT_DUTY_BREAK_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
        new(SetUnit, "RATE_LIMIT_DUTY_SETUNIT_PER_MINUTE", 60, RateLimitBodyStyle.Minimal),
    ];
}

/// <summary>A number field as sent: absent/null, a finite JSON number, or something else (refused by validators).</summary>
internal readonly record struct NumberInput(bool Present, double? Value)
{
    public bool Invalid => Present && Value is null;

    public static NumberInput Read(RequestBody body, string name) => body.Json(name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => new(false, null),
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var v) && double.IsFinite(v) => new(true, v),
        _ => new(true, null),
    };
}

/// <summary>An integer field as sent: absent/null, an integer (JSON number or digit string), or something else.</summary>
internal readonly record struct IntegerInput(bool Present, long? Value)
{
    public bool Invalid => Present && Value is null;

    /// <summary>With <paramref name="truncate"/>, a fractional number is cut toward zero (break durations: 2.7 → 2).</summary>
    public static IntegerInput Read(RequestBody body, string name, bool truncate = false) => body.Json(name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => new(false, null),
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var v) => new(true, v),
        { ValueKind: JsonValueKind.Number } n when truncate && n.TryGetDouble(out var d) && double.IsFinite(d) && Math.Abs(d) < int.MaxValue => new(true, (long)Math.Truncate(d)),
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString()?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => new(true, v),
        _ => new(true, null),
    };
}

/// <summary>Reading and limiting a bot request (duty spec §3.1): bot key first, then the body, then the bucket.</summary>
internal static class DutyBot
{
    public const string Prefix = "/api/duty/bot";

    /// <summary>The bot key only (never from the query; an empty BOT_API_KEY refuses all), 403 <c>Unauthorized</c>, no CSRF.</summary>
    public static TBuilder BotOnly<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(MapPolicies.Bot).WithMetadata(new ForbiddenErrorAttribute("Unauthorized")).CsrfExempt();

    /// <summary>
    /// The <c>user_id</c>: a JSON string or number, trimmed; empty or <c>0</c> count as absent (400 <c>user_id required</c>).
    /// </summary>
    public static string? UserId(RequestBody body) => body.Text("user_id")?.Trim() is { Length: > 0 } id && id != "0" ? id : null;

    public static string? UnitLabel(RequestBody body) => DutyShift.FitUnitLabel(body.Text("unit_label"));

    public static Task<(RequestBody Body, IResult? Refusal)> ReadAsync(HttpContext context, IRateLimitGate rateLimits, string bucket, CancellationToken cancellationToken) =>
        ReadAsync(context, rateLimits, (bucket, bucket), cancellationToken);

    public static async Task<(RequestBody Body, IResult? Refusal)> ReadAsync(HttpContext context, IRateLimitGate rateLimits, (string Bucket, string Part) bucket, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, cancellationToken);
        // One budget per Telegram user behind the bot's address (duty spec §9: not one budget for every officer).
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var user = body.Root.TryGetProperty("user_id", out var raw) && raw.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? StoredText.Clip(raw.ValueKind == JsonValueKind.String ? raw.GetString() ?? "" : raw.GetRawText(), 64)
            : "";
        var decision = await rateLimits.AcquireAsync(bucket.Bucket, $"{bucket.Part}|{ip}|u:{user}", cancellationToken);
        return decision.Allowed ? (body, null) : (body, new RateLimitedResult(decision, detailed: false));
    }
}

/// <summary>A command with a position as sent.</summary>
internal interface IHasPosition
{
    NumberInput Lat { get; }

    NumberInput Lon { get; }
}

/// <summary>Validation rules shared by the bot commands.</summary>
internal static class DutyRules
{
    public static IRuleBuilderOptions<T, string?> DutyUserId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("user_id required")
            .MaximumLength(DutyShift.UserIdMaxLength).WithMessage($"user_id is too long (at most {DutyShift.UserIdMaxLength} characters)");

    /// <summary>
    /// Coordinates: JSON numbers (duty spec §9: no strings, no NaN), both or neither, in range; with
    /// <paramref name="required"/> both must be sent. Rules run in order and stop at the first failure.
    /// </summary>
    public static void Position<T>(this AbstractValidator<T> validator, bool required)
        where T : IHasPosition
    {
        validator.RuleFor(c => c.Lat)
            .Must((c, lat) => !required || (lat.Present && c.Lon.Present)).WithMessage("lat/lon required")
            .Must((c, lat) => !lat.Invalid && !c.Lon.Invalid).WithMessage("lat/lon must be numbers")
            .Must((c, lat) => lat.Present == c.Lon.Present).WithMessage("lat/lon required")
            .Must((c, lat) => lat.Value is null or (>= -90 and <= 90) && c.Lon.Value is null or (>= -180 and <= 180)).WithMessage("lat/lon out of range");
    }

    public static IRuleBuilderOptions<T, IntegerInput> ValidInteger<T>(this IRuleBuilder<T, IntegerInput> rule, string name) =>
        rule.Must(i => !i.Invalid && i.Value is null or (>= int.MinValue and <= int.MaxValue)).WithMessage($"{name} must be an integer");
}

/// <summary>The auto-shift of duty spec §3.1: the active shift, created (journal <c>SHIFT_AUTO_START</c>) when there is none.</summary>
internal sealed class AutoShift(DutyShifts shifts, DutyDbContext db, TimeProvider clock)
{
    /// <summary>
    /// The active shift; when this call created it, the journal entry is added to the context (saved with the caller's
    /// changes) and the <c>shift_started</c> event to publish after the commit is returned (duty spec §9: consistently).
    /// </summary>
    public async Task<(ActiveShift Shift, DutyRealtimeEvent? Started)> EnsureAsync(string userId, string? unitLabel, double? lat, double? lon, CancellationToken cancellationToken)
    {
        var (shift, created) = await shifts.EnsureAsync(userId, unitLabel, lat, lon, cancellationToken);
        if (!created)
        {
            return (shift, null);
        }

        db.Events.Add(DutyEvent.Create(userId, shift.Id, clock.Now(), DutyEventTypes.ShiftAutoStart, DutyEvent.ActorSystem, new { reason = "no_active_shift" }));
        return (shift, DutyEvents.ShiftStarted(shift, lat, lon));
    }
}
