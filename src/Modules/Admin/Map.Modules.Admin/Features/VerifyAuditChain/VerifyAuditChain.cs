using System.Data;
using Carter;
using Map.Modules.Admin.Audit;
using Mediator;

namespace Map.Modules.Admin.Features.VerifyAuditChain;

/// <summary>
/// <c>GET /api/audit/verify</c> (superadmin) → <c>{"ok":true,"rows":N}</c>, or
/// <c>{"ok":false,"rows":N,"first_broken_id":id}</c> where <c>rows</c> counts the rows that verified before the
/// break. A row is broken when its stored hash does not match its fields, or its <c>prev_hash</c> is not the hash of
/// the row before it (a changed, inserted or deleted row). Rows are streamed in id order, never loaded at once.
/// What a chain alone cannot show: rows cut off the end of the log.
/// </summary>
internal sealed class VerifyAuditChainEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/verify", async (ISender sender, CancellationToken cancellationToken) =>
            {
                var result = await sender.Send(new VerifyAuditChainQuery(), cancellationToken);
                return Results.Json(new ChainCheckJson(result.FirstBrokenId is null, result.Rows, result.FirstBrokenId));
            })
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<ChainCheckJson>();
}

internal sealed record VerifyAuditChainQuery : IQuery<ChainCheck>;

internal sealed record ChainCheck(long Rows, long? FirstBrokenId);

/// <summary>The answer: <c>{ok, rows}</c>, with <c>first_broken_id</c> only when the chain is broken.</summary>
internal sealed record ChainCheckJson(
    bool Ok,
    long Rows,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? FirstBrokenId);

internal sealed class VerifyAuditChainHandler(AdminDbContext db) : IQueryHandler<VerifyAuditChainQuery, ChainCheck>
{
    public async ValueTask<ChainCheck> Handle(VerifyAuditChainQuery query, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT id, ts, actor, role, ip, method, path, action, payload::text, prev_hash, row_hash
                FROM admin.admin_audit_log ORDER BY id
                """;
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            var expectedPrev = AuditChain.Genesis;
            long verified = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                var ts = DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc);
                var actor = Text(reader, 2);
                var role = Text(reader, 3);
                var ip = Text(reader, 4);
                var method = Text(reader, 5);
                var path = Text(reader, 6);
                var action = Text(reader, 7);
                var payload = reader.IsDBNull(8) ? "{}" : reader.GetString(8);
                var prevHash = Text(reader, 9);
                var rowHash = Text(reader, 10);
                var recomputed = AuditChain.Hash(prevHash, ts, actor, role, ip, method, path, action, payload);
                if (prevHash != expectedPrev || rowHash != recomputed)
                {
                    return new ChainCheck(verified, id);
                }

                expectedPrev = rowHash;
                verified++;
            }

            return new ChainCheck(verified, null);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string Text(System.Data.Common.DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "" : reader.GetString(ordinal);
}
