using System.Runtime.CompilerServices;
using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.Addresses;

/// <summary>
/// GET <c>/api/addresses</c> (viewer; the predecessor was public): <c>q</c> (case-insensitive substring of name or notes),
/// <c>category</c> and <c>status</c> (exact). Without <c>page</c>/<c>per_page</c> a bare array (the legacy map needs it),
/// with either <c>{items,page,per_page,total}</c>. Newest first. Non-superadmins see their zones and zone-less points.
/// </summary>
internal sealed class ListAddressesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/addresses", async (HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var query = request.Query;
                var paged = query.ContainsKey("page") || query.ContainsKey("per_page");
                if (!paged)
                {
                    // The legacy bare array of every address: streamed as it is read, never buffered (issue 16).
                    return Results.Json(sender.CreateStream(
                        new StreamAddressesQuery(
                            user,
                            query["q"].ToString().Trim(),
                            query.ContainsKey("category") ? query["category"].ToString() : null,
                            query.ContainsKey("status") ? query["status"].ToString() : null),
                        cancellationToken));
                }

                var result = await sender.Send(
                    new ListAddressesQuery(
                        user,
                        query["q"].ToString().Trim(),
                        query.ContainsKey("category") ? query["category"].ToString() : null,
                        query.ContainsKey("status") ? query["status"].ToString() : null,
                        paged ? Paging.ParseClamped(query["page"], 1, 1, int.MaxValue) : null,
                        Paging.ParseClamped(query["per_page"], 100, 1, 500)),
                    cancellationToken);
                return paged ? Results.Json(result) : Results.Json(result.Items);
            })
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyList<AddressView>>()
            .ProducesAlternative<Page<AddressView>>();
}

internal sealed record ListAddressesQuery(ClaimsPrincipal User, string Q, string? Category, string? Status, int? Page, int PerPage)
    : IQuery<Page<AddressView>>;

internal sealed class ListAddressesHandler(MarkersDbContext db, IAdminDirectory directory) : IQueryHandler<ListAddressesQuery, Page<AddressView>>
{
    public async ValueTask<Page<AddressView>> Handle(ListAddressesQuery query, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(query.User, cancellationToken);
        var addresses = Filter(db.Addresses.AsNoTracking().InScope(scope), query.Q, query.Category, query.Status);
        var ordered = addresses.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id);
        if (query.Page is not { } page)
        {
            var all = await ordered.ToListAsync(cancellationToken);
            return new Page<AddressView>([.. all.Select(a => a.ToView())], 1, all.Count, all.Count);
        }

        var filtered = query.Q.Length > 0 || query.Category is not null || query.Status is not null;
        var total = filtered
            ? await addresses.LongCountAsync(cancellationToken)
            : await db.CountInScopeAsync(ZoneScoping.AddressesKind, scope, cancellationToken);
        var items = await ordered.Skip((int)Math.Min((long)(page - 1) * query.PerPage, int.MaxValue)).Take(query.PerPage).ToListAsync(cancellationToken);
        return new Page<AddressView>([.. items.Select(a => a.ToView())], page, query.PerPage, total);
    }

    public static IQueryable<Address> Filter(IQueryable<Address> addresses, string q, string? category, string? status)
    {
        if (q.Length > 0)
        {
            var pattern = "%" + Like.Escape(q) + "%";
            addresses = addresses.Where(a => EF.Functions.ILike(a.Fields.Name, pattern, "\\") || EF.Functions.ILike(a.Fields.Notes ?? "", pattern, "\\"));
        }

        if (category is not null)
        {
            addresses = addresses.Where(a => a.Fields.Category == category);
        }

        if (status is not null)
        {
            addresses = addresses.Where(a => a.Fields.Status == status);
        }

        return addresses;
    }
}

internal sealed record StreamAddressesQuery(ClaimsPrincipal User, string Q, string? Category, string? Status) : IStreamQuery<AddressView>;

/// <summary>Every address in scope, newest first, yielded row by row as PostgreSQL sends them.</summary>
internal sealed class StreamAddressesHandler(MarkersDbContext db, IAdminDirectory directory) : IStreamQueryHandler<StreamAddressesQuery, AddressView>
{
    public async IAsyncEnumerable<AddressView> Handle(StreamAddressesQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(query.User, cancellationToken);
        var ordered = ListAddressesHandler.Filter(db.Addresses.AsNoTracking().InScope(scope), query.Q, query.Category, query.Status)
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id);
        await foreach (var address in ordered.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return address.ToView();
        }
    }
}

internal static class Like
{
    /// <summary>Escapes LIKE wildcards so user text matches literally (escape character <c>\</c>).</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
