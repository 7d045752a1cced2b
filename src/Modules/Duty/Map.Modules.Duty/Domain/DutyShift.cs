namespace Map.Modules.Duty.Domain;

/// <summary>A duty shift (<c>duty_shifts</c>): active while <see cref="EndedAt"/> is null, at most one per user.</summary>
internal sealed class DutyShift
{
    public const int UserIdMaxLength = 32;
    public const int UnitLabelMaxLength = 64;

    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public string? UnitLabel { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? EndedAt { get; set; }

    public double? StartLat { get; set; }

    public double? StartLon { get; set; }

    public double? EndLat { get; set; }

    public double? EndLon { get; set; }

    /// <summary>Unit labels are cut to the column length (labels come from devices and bots).</summary>
    public static string? FitUnitLabel(string? label) =>
        string.IsNullOrWhiteSpace(label) ? null : label.Trim() is var trimmed && trimmed.Length > UnitLabelMaxLength ? trimmed[..UnitLabelMaxLength] : label.Trim();
}
