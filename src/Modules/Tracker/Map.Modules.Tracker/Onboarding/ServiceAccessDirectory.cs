using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Onboarding;

internal sealed class ServiceAccessDirectory(TrackerDbContext db) : IServiceAccessDirectory
{
    public async Task<IReadOnlyDictionary<string, string>> GetStatusesAsync(IReadOnlyCollection<string> tgUserIds, CancellationToken cancellationToken = default)
    {
        var ids = tgUserIds.Distinct().ToList();
        var rows = await db.ServiceAccessRows.AsNoTracking().Where(a => ids.Contains(a.TgUserId)).ToListAsync(cancellationToken);
        var found = rows.ToDictionary(a => a.TgUserId, a => a.EffectiveStatus);
        return ids.ToDictionary(id => id, id => found.GetValueOrDefault(id, Domain.ServiceAccess.Guest));
    }
}
