using System.Globalization;
using System.Text.Json;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Mediator;
using Npgsql;

namespace Map.Modules.Tracker.Features.Pair;

/// <summary>
/// <c>POST /api/tracker/pair</c> (no auth): a 6-digit code for a device token. Order (tracker spec §3.2): format check
/// (400 <c>missing_code</c> / <c>bad_request</c>) → rate limits, counting every attempt (20/min per client IP → 429
/// <c>rate_limited_ip</c>, 10/min per code → 429 <c>rate_limited_code</c>) → lookup: 404 <c>invalid_code</c>,
/// 410 <c>expired_code</c>, 409 <c>code_used</c>. The code is consumed by a conditional update in the same transaction
/// as the new device, so two concurrent pairs with one code give one device. A client-claimed user id is ignored.
/// </summary>
internal sealed class PairEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/pair", HandleAsync).CsrfExempt().AllowAnonymous().WithTrackerErrors()
            .ProducesEnvelope<PairResult>().WithRequestBody<PairBody>();

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, IRateLimitGate rateLimit, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var code = body.TryGetProperty("code", out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!.Trim(),
                JsonValueKind.Number when value.TryGetInt64(out var number) && number >= 0 => number.ToString("D6", CultureInfo.InvariantCulture),
                _ => "?",
            }
            : "";
        if (code.Length == 0)
        {
            return Envelope.Error(StatusCodes.Status400BadRequest, "missing_code", "code is required");
        }

        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return Envelope.Error(StatusCodes.Status400BadRequest, "bad_request", "code must be 6 digits");
        }

        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var byIp = await rateLimit.AcquireAsync(TrackerBuckets.PairIp, ip, cancellationToken);
        if (!byIp.Allowed)
        {
            return DeviceEndpoints.RateLimited(context, TrackerBuckets.PairIp, byIp, "rate_limited_ip");
        }

        var byCode = await rateLimit.AcquireAsync(TrackerBuckets.PairCode, TrackerPairCode.Hash(code), cancellationToken);
        if (!byCode.Allowed)
        {
            return DeviceEndpoints.RateLimited(context, TrackerBuckets.PairCode, byCode, "rate_limited_code");
        }

        var paired = await sender.Send(new PairCommand(code), cancellationToken);
        return Envelope.Ok(paired);
    }
}

/// <summary>The 6-digit pair code (a number is accepted too).</summary>
internal sealed record PairBody(string Code);

internal sealed record PairCommand(string Code) : ICommand<PairResult>;

internal sealed record PairResult(string DeviceToken, string DeviceId, string UserId, string? Label);

internal sealed class PairHandler(TrackerDbContext db, TrackerOptions options, TimeProvider clock, IAuditLog audit, IEventBus events)
    : ICommandHandler<PairCommand, PairResult>
{
    public async ValueTask<PairResult> Handle(PairCommand command, CancellationToken cancellationToken)
    {
        var hash = TrackerPairCode.Hash(command.Code);
        var now = clock.GetUtcNow().UtcDateTime;
        for (var attempt = 0; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var consumed = await db.PairCodes
                .Where(c => c.CodeHash == hash && c.UsedAt == null && c.ExpiresAt > now)
                .ExecuteUpdateAsync(c => c.SetProperty(x => x.UsedAt, now), cancellationToken);
            if (consumed == 0)
            {
                var row = await db.PairCodes.AsNoTracking().FirstOrDefaultAsync(c => c.CodeHash == hash, cancellationToken);
                throw row switch
                {
                    null => new DomainException(DomainErrorKind.NotFound, "unknown pairing code") { Code = "invalid_code" },
                    { UsedAt: not null } => new DomainException(DomainErrorKind.Conflict, "pairing code already used") { Code = "code_used" },
                    _ => new DomainException(DomainErrorKind.Gone, "pairing code expired") { Code = "expired_code" },
                };
            }

            var consumedCode = await db.PairCodes.Where(c => c.CodeHash == hash).Select(c => new { c.Label, c.UserId }).FirstAsync(cancellationToken);
            var label = consumedCode.Label;
            var (token, tokenHash) = TrackerDevice.NewToken();
            var device = new TrackerDevice
            {
                PublicId = TrackerDevice.NewPublicId(),
                TokenHash = tokenHash,
                Label = label,
                CreatedAt = now,
                LastSeenAt = now,
            };
            // Identity comes from the server only: a bootstrap code binds the officer's Telegram id (the Duty join
            // key); an admin code gives a standalone user. What the phone claims is ignored.
            device.UserId = consumedCode.UserId ?? "DT-" + device.PublicId;
            var revoked = options.AutoRevokeOnPair ? await RevokeOthersAsync(device.UserId, now, cancellationToken) : [];
            db.Devices.Add(device);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 5)
            {
                // A public id (or token) collision: a new one, with the code still unconsumed (rolled back).
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                continue;
            }

            foreach (var publicId in revoked)
            {
                await events.PublishAsync(new TrackerEvent(TrackerEvent.DeviceUpdated, new { device_id = publicId, is_revoked = true }), cancellationToken);
            }

            await events.PublishAsync(new TrackerEvent(TrackerEvent.Paired, new { device_id = device.PublicId, user_id = device.UserId, label = device.Label }), cancellationToken);
            return new PairResult(token, device.PublicId, device.UserId, device.Label);
        }
    }

    /// <summary>Revokes the user's other active devices and ends their open app session, audited (<c>AUTO_REVOKE_DEVICE</c>).</summary>
    private async Task<List<string>> RevokeOthersAsync(string userId, DateTime now, CancellationToken cancellationToken)
    {
        var others = await db.Devices.Where(d => d.UserId == userId && !d.IsRevoked).ToListAsync(cancellationToken);
        if (others.Count == 0)
        {
            return [];
        }

        foreach (var other in others)
        {
            other.IsRevoked = true;
            await audit.RecordAsync(db.Database, "tracker.AUTO_REVOKE_DEVICE", new { device_id = other.PublicId, user_id = userId, reason = "paired_new_device" }, new AuditActor("system", "system"), cancellationToken);
        }

        await db.Sessions
            .Where(s => s.UserId == userId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.IsActive, false), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return [.. others.Select(o => o.PublicId)];
    }
}
