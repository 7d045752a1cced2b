using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.Addresses;

/// <summary>
/// POST <c>/api/addresses:batchDelete</c> (editor) <c>{"ids":[...]}</c> (numbers or numeric strings) → 200
/// <c>{"deleted":n}</c>. Unknown ids and ids in zones the editor may not use are skipped. One audit row, and
/// <c>address_deleted</c> per point (the predecessor sent none).
/// </summary>
internal sealed class BatchDeleteAddressesEndpoint : ICarterModule
{
    public const int MaxIds = 10_000;

    private static readonly BodyRules Body = BodyRules.LenientJson with { MaxBytes = 1024 * 1024 };

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/addresses:batchDelete", async (HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var body = (await RequestBody.ReadAsync(request, Body, cancellationToken)).Root;
                if (!body.TryGetProperty("ids", out var ids) || ids.ValueKind != JsonValueKind.Array)
                {
                    throw DomainException.Invalid("ids must be a list");
                }

                if (ids.GetArrayLength() > MaxIds)
                {
                    throw DomainException.Invalid($"at most {MaxIds} ids per call");
                }

                var parsed = ids.EnumerateArray().Select(ParseId).OfType<long>().Distinct().ToArray();
                var deleted = await sender.Send(new BatchDeleteAddressesCommand(parsed, user), cancellationToken);
                return Results.Json(new BatchDeletedJson(deleted));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<BatchDeletedJson>()
            .WithRequestBody<AddressIdsBody>();

    private static long? ParseId(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.Number when id.TryGetInt64(out var number) => number,
        JsonValueKind.String when long.TryParse(id.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };
}

/// <summary>The answer: <c>{deleted}</c>, how many of the ids were deleted.</summary>
internal sealed record BatchDeletedJson(int Deleted);

internal sealed record BatchDeleteAddressesCommand(long[] Ids, ClaimsPrincipal User) : ICommand<int>;

internal sealed class BatchDeleteAddressesHandler(MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, PhotoStore photos)
    : ICommandHandler<BatchDeleteAddressesCommand, int>
{
    public async ValueTask<int> Handle(BatchDeleteAddressesCommand command, CancellationToken cancellationToken)
    {
        if (command.Ids.Length == 0)
        {
            return 0;
        }

        var scope = await directory.ScopeOfAsync(command.User, cancellationToken);
        var addresses = await db.Addresses.Where(a => command.Ids.Contains(a.Id)).InScope(scope).ToListAsync(cancellationToken);
        if (addresses.Count == 0)
        {
            return 0;
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Addresses.RemoveRange(addresses);
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "address.batch_delete", new { ids = addresses.Select(a => a.Id).ToArray() }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var address in addresses)
        {
            await photos.DeleteIfUnusedAsync(db, address.Fields.Photo, CancellationToken.None);
            await events.PublishAsync(new AddressDeleted(address.Id, address.ZoneId), CancellationToken.None);
        }

        return addresses.Count;
    }
}

/// <summary>The addresses to delete: their ids (numbers or digit strings).</summary>
internal sealed record AddressIdsBody(IReadOnlyList<long> Ids);
