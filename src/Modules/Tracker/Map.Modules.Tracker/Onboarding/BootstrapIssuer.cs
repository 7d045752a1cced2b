using Map.Modules.Tracker.Domain;
using Npgsql;

namespace Map.Modules.Tracker.Onboarding;

/// <summary>What an officer (or the bot) is handed once: the token for the link and its pair code.</summary>
internal sealed record IssuedBootstrap(int TokenId, string Token, string PairCode, string? BaseUrl, string? Label, int ExpiresInMin);

/// <summary>
/// Issues a bootstrap token and its pair code (bound to the officer's Telegram id), revoking the officer's earlier
/// unused tokens and their codes, inside the caller's open transaction. Only hashes are written; a collision of a
/// code with a live one draws again (under a savepoint).
/// </summary>
internal sealed class BootstrapIssuer(TrackerDbContext db, TrackerOptions options)
{
    public async Task<IssuedBootstrap> IssueAsync(string? tgUserId, string? label, string? baseUrl, DateTime now, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("BootstrapIssuer needs an open transaction.");
        if (tgUserId is not null)
        {
            await RevokeAsync(tgUserId, now, cancellationToken);
        }

        for (var attempt = 0; ; attempt++)
        {
            var token = BootstrapToken.NewToken();
            var code = BootstrapToken.PairCodeFor(token);
            await transaction.CreateSavepointAsync("issue", cancellationToken);
            var pairCode = new TrackerPairCode
            {
                CodeHash = TrackerPairCode.Hash(code),
                CreatedAt = now,
                ExpiresAt = now + options.BootstrapTtl,
                Label = label,
                UserId = tgUserId,
            };
            db.PairCodes.Add(pairCode);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                var row = new BootstrapToken
                {
                    TokenHash = BootstrapToken.Hash(token),
                    PairCodeId = pairCode.Id,
                    CreatedAt = now,
                    ExpiresAt = pairCode.ExpiresAt,
                    TgUserId = tgUserId,
                    Label = label,
                    BaseUrl = baseUrl,
                };
                db.BootstrapTokens.Add(row);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.ReleaseSavepointAsync("issue", cancellationToken);
                return new IssuedBootstrap(row.Id, token, code, baseUrl, label, (int)options.BootstrapTtl.TotalMinutes);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 20)
            {
                await transaction.RollbackToSavepointAsync("issue", cancellationToken);
                foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }
    }

    /// <summary>Revokes the officer's unused tokens and expires their unused pair codes (approve again, deny, reset).</summary>
    public async Task RevokeAsync(string tgUserId, DateTime now, CancellationToken cancellationToken)
    {
        await db.BootstrapTokens
            .Where(t => t.TgUserId == tgUserId && t.UsedAt == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.RevokedAt, now), cancellationToken);
        await db.PairCodes
            .Where(c => c.UserId == tgUserId && c.UsedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.ExpiresAt, now), cancellationToken);
    }
}
