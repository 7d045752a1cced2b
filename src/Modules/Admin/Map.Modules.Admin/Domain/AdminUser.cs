using Map.SharedKernel;

namespace Map.Modules.Admin.Domain;

/// <summary>A web admin account (<c>admin_users</c>). Rules about roles and activity live here.</summary>
internal sealed class AdminUser
{
    public const int UsernameMaxLength = 64;
    public const int PasswordMinLength = 10;

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
