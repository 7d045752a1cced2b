using Map.Modules.Admin.Domain;

namespace Map.Modules.Admin.Features;

/// <summary>The admin account on the wire (spec §2): <c>{id, username, role, is_active, created_at, zones}</c>.</summary>
internal sealed record AdminUserJson(int Id, string Username, string Role, bool IsActive, DateTime? CreatedAt, IReadOnlyList<int> Zones)
{
    public static AdminUserJson From(AdminUser user) => new(
        user.Id,
        user.Username,
        user.Role.ToWire(),
        user.IsActive,
        user.CreatedAt == default ? null : user.CreatedAt,
        [.. user.Zones.Select(z => z.ZoneId).Order()]);
}
