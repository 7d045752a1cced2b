using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Map.Modules.Tracker.Domain;

/// <summary>
/// A one-time bootstrap token (<c>tracker_bootstrap_tokens</c>): the link in the officer's Telegram message carries
/// it, and the app trades it once for its base URL and pair code. Only the token's SHA-256 is stored; the pair code
/// is derived from the token (<see cref="PairCodeFor"/>), so no plaintext code is kept either — whoever holds the
/// token may learn its code, nobody else.
/// </summary>
internal sealed class BootstrapToken
{
    public const int BaseUrlMaxLength = 256;

    public int Id { get; set; }

    public string TokenHash { get; set; } = "";

    public int PairCodeId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }

    /// <summary>Superseded by a newer token of the same officer (approve again, deny, reset).</summary>
    public DateTime? RevokedAt { get; set; }

    public string? TgUserId { get; set; }

    public string? Label { get; set; }

    public string? BaseUrl { get; set; }

    /// <summary><c>used</c>, <c>expired</c> (also revoked) or <c>active</c>.</summary>
    public string State(DateTime now) => UsedAt is not null ? "used" : RevokedAt is not null || ExpiresAt <= now ? "expired" : "active";

    /// <summary>A new URL-safe token of 24 random bytes (32 characters).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) => TrackerDevice.HashToken(token);

    /// <summary>The token's 6-digit pair code: a keyed digest of the token, so it is never stored in plaintext.</summary>
    public static string PairCodeFor(string token)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes("map-bootstrap-pair-code:" + token));
        return (BinaryPrimitives.ReadUInt32BigEndian(digest) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// An officer's request for a tracker phone (<c>tracker_connect_requests</c>, one row per Telegram id):
/// pending → approved/denied; denied or reset → pending again. <see cref="IssueSeq"/> counts approvals, so a
/// Telegram message queued for an older approval is dropped and only the newest one issues a code.
/// </summary>
internal sealed class ConnectRequest
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const int SendErrorMaxLength = 512;

    public int Id { get; set; }

    public string TgUserId { get; set; } = "";

    public string Status { get; set; } = Pending;

    public string? Note { get; set; }

    public string? BaseUrl { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? ApprovedAt { get; set; }

    public DateTime? DeniedAt { get; set; }

    public string? DecidedBy { get; set; }

    public int? LastTokenId { get; set; }

    public DateTime? LastIssuedAt { get; set; }

    public DateTime? LastSentAt { get; set; }

    /// <summary><c>auto</c> (Telegram message) or <c>pull</c> (the bot's <c>issue=1</c>).</summary>
    public string? LastSentVia { get; set; }

    /// <summary>Null while a message waits (or none was asked for), then the last attempt's outcome.</summary>
    public bool? SendOk { get; set; }

    public string? LastSendError { get; set; }

    public int IssueSeq { get; set; }

    /// <summary>The officer asks (again): a denied request reopens; pending and approved stay as they are.</summary>
    public void Ask(string? note, string? baseUrl, DateTime now)
    {
        if (Status == Denied)
        {
            Status = Pending;
            DeniedAt = null;
        }

        Note = note ?? Note;
        BaseUrl = baseUrl ?? BaseUrl;
        UpdatedAt = now;
    }

    /// <summary>Approve (again): a fresh code will be issued and every earlier one revoked. A denied request must be asked again.</summary>
    public void Approve(string actor, string baseUrl, string? note, DateTime now)
    {
        if (Status == Denied)
        {
            throw DomainException.Conflict("request_denied");
        }

        Status = Approved;
        ApprovedAt = now;
        BaseUrl = baseUrl;
        Note = note ?? Note;
        DecidedBy = actor;
        IssueSeq++;
        SendOk = null;
        LastSendError = null;
        UpdatedAt = now;
    }

    public void Deny(string actor, DateTime now)
    {
        Status = Denied;
        DeniedAt = now;
        DecidedBy = actor;
        IssueSeq++;
        UpdatedAt = now;
    }

    public void Reset(DateTime now)
    {
        Status = Pending;
        ApprovedAt = null;
        DeniedAt = null;
        IssueSeq++;
        SendOk = null;
        LastSendError = null;
        UpdatedAt = now;
    }

    public void RecordSendFailure(string error) => (SendOk, LastSendError) = (false, StoredText.Clip(error, SendErrorMaxLength));
}
