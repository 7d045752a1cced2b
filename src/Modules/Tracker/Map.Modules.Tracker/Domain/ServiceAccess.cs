namespace Map.Modules.Tracker.Domain;

/// <summary>
/// A Telegram user's access to the "Служба" section (<c>service_access</c>, admin-platform spec §4.8): one row per
/// Telegram id (unique index). The status machine guest → pending → officer/denied → guest is enforced here.
/// </summary>
internal sealed class ServiceAccess
{
    public const int TgUserIdMaxLength = 64;
    public const int NoteMaxLength = 256;
    public const int DecidedByMaxLength = 128;

    public const string Guest = "guest";
    public const string Pending = "pending";
    public const string Officer = "officer";
    public const string Admin = "admin";
    public const string Denied = "denied";

    public int Id { get; set; }

    public string TgUserId { get; set; } = "";

    public string Status { get; set; } = Guest;

    public DateTime? RequestedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    public string? DecidedBy { get; set; }

    public string? Note { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Unknown stored values read back as <c>guest</c> (spec §2).</summary>
    public string EffectiveStatus => Status is Pending or Officer or Admin or Denied ? Status : Guest;

    /// <summary>May ask for a tracker phone (tracker spec §3.4).</summary>
    public static bool MayUseTracker(string? status) => status is Officer or Admin;

    /// <summary>
    /// The bot asks for access: an officer or admin keeps the status (the note and <c>updated_at</c> are touched);
    /// a guest or a denied user becomes pending with the previous decision cleared.
    /// </summary>
    public void Request(string? note, DateTime now)
    {
        if (note is not null)
        {
            Note = note;
        }

        UpdatedAt = now;
        if (MayUseTracker(EffectiveStatus))
        {
            return;
        }

        Status = Pending;
        RequestedAt = now;
        DecidedAt = null;
        DecidedBy = null;
    }

    /// <summary>An editor decides a pending request: officer or denied. Anything else is a conflict.</summary>
    public void Decide(bool approve, string actor, string? note, DateTime now)
    {
        if (EffectiveStatus != Pending)
        {
            throw DomainException.Conflict("not_pending");
        }

        Status = approve ? Officer : Denied;
        Stamp(actor, note, now);
    }

    /// <summary>An editor takes access back (officer, admin, denied or pending → guest).</summary>
    public void Revoke(string actor, string? note, DateTime now)
    {
        if (EffectiveStatus == Guest)
        {
            throw DomainException.Conflict("not_granted");
        }

        Status = Guest;
        Stamp(actor, note, now);
    }

    private void Stamp(string actor, string? note, DateTime now)
    {
        DecidedAt = now;
        DecidedBy = StoredText.Clip(actor, DecidedByMaxLength);
        if (note is not null)
        {
            Note = note;
        }

        UpdatedAt = now;
    }
}
