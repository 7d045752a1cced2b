using System.Text.RegularExpressions;

namespace Map.Modules.Admin.Domain;

/// <summary>A web admin account (<c>admin_users</c>). Rules about roles and activity live here.</summary>
internal sealed partial class AdminUser
{
    /// <summary>Zones one account may be bound to.</summary>
    public const int MaxZones = 1000;

    public const int UsernameMinLength = 3;
    public const int UsernameMaxLength = 64;
    public const int PasswordMinLength = 10;

    /// <summary>Long enough for any passphrase, short enough that hashing it costs nothing unusual.</summary>
    public const int PasswordMaxLength = 1024;

    public const string UsernameRule = "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'";
    public const string PasswordRule = "password must be 10-1024 characters";

    private AdminUser()
    {
    }

    public int Id { get; private set; }

    public string Username { get; private set; } = "";

    public string PasswordHash { get; private set; } = "";

    public AdminRole Role { get; private set; }

    public bool IsActive { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public List<AdminZone> Zones { get; private set; } = [];

    public static AdminUser Create(string username, string passwordHash, AdminRole role, DateTime now) => new()
    {
        Username = username,
        PasswordHash = passwordHash,
        Role = role,
        IsActive = true,
        CreatedAt = now,
    };

    public void SetPasswordHash(string passwordHash) => PasswordHash = passwordHash;

    public void SetRole(AdminRole role) => Role = role;

    public void SetActive(bool active) => IsActive = active;

    public bool IsActiveSuperadmin => IsActive && Role == AdminRole.Superadmin;

    /// <summary>
    /// New usernames: 3-64 characters from a set that is safe in URLs, logs and HTML without escaping surprises and
    /// has no look-alike Unicode. Rows inherited from the predecessor are left as they are.
    /// </summary>
    public static bool IsValidUsername(string? username) => username is not null && UsernamePattern().IsMatch(username);

    /// <summary>Passwords are taken exactly as typed (never trimmed).</summary>
    public static bool IsValidPassword(string? password) =>
        password is { Length: >= PasswordMinLength and <= PasswordMaxLength };

    /// <summary>
    /// Why <paramref name="actorId"/> may not apply <paramref name="change"/> to this account (409), or null.
    /// Nobody deletes, deactivates or demotes themself, and the last active superadmin stays one, so Map can never
    /// be left without someone who can manage accounts. <paramref name="otherActiveSuperadmins"/> must be counted
    /// under the roster lock, or two superadmins demoting each other at once could both succeed.
    /// </summary>
    public string? RefusalOf(AccountChange change, int actorId, int otherActiveSuperadmins)
    {
        if (Id == actorId)
        {
            if (change.Delete)
            {
                return "you cannot delete your own account";
            }

            if (!change.IsActive)
            {
                return "you cannot deactivate your own account";
            }

            if (change.Role < Role)
            {
                return "you cannot demote your own account";
            }
        }

        var stopsBeingSuperadmin = change.Delete || !change.IsActive || change.Role != AdminRole.Superadmin;
        return IsActiveSuperadmin && stopsBeingSuperadmin && otherActiveSuperadmins == 0
            ? "the last active superadmin cannot be deleted, deactivated or demoted"
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{3,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();

    /// <summary>Replaces the zone set (an empty set clears it).</summary>
    public void SetZones(IEnumerable<int> zoneIds)
    {
        var wanted = zoneIds.ToHashSet();
        Zones.RemoveAll(z => !wanted.Contains(z.ZoneId));
        foreach (var zoneId in wanted.Where(id => Zones.All(z => z.ZoneId != id)))
        {
            Zones.Add(new AdminZone { AdminId = Id, ZoneId = zoneId });
        }
    }
}

/// <summary>The state an account change would leave: its role and activity, or gone.</summary>
internal sealed record AccountChange(AdminRole Role, bool IsActive, bool Delete = false)
{
    public static AccountChange Deletion(AdminUser user) => new(user.Role, user.IsActive, Delete: true);
}

/// <summary>Link of an admin to a zone; the zone itself belongs to the Markers module (kept by id).</summary>
internal sealed class AdminZone
{
    public int AdminId { get; set; }

    public int ZoneId { get; set; }
}

/// <summary>A server-side login session. The cookie carries the key; only its SHA-256 is stored.</summary>
internal sealed class AdminSession
{
    public required string IdHash { get; init; }

    public int AdminId { get; init; }

    public required string CsrfToken { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime ExpiresAt { get; set; }

    public DateTime LastSeenAt { get; set; }

    public string? Ip { get; init; }
}

/// <summary>One <c>admin_audit_log</c> row, chained to the previous one by <see cref="PrevHash"/>.</summary>
internal sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime Ts { get; set; }

    public string Actor { get; set; } = "";

    public string Role { get; set; } = "";

    public string Ip { get; set; } = "";

    public string Method { get; set; } = "";

    public string Path { get; set; } = "";

    public string Action { get; set; } = "";

    public string Payload { get; set; } = "{}";

    public string PrevHash { get; set; } = "";

    public string RowHash { get; set; } = "";
}
