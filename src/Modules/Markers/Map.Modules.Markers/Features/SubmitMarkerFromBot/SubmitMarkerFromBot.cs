using System.Text.Json;
using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.SubmitMarkerFromBot;

/// <summary>
/// POST <c>/api/bot/markers</c> (bot key, header or <c>?api_key=</c>): a request to add a point, JSON or form/multipart
/// (photo part <c>photo</c>|<c>file</c>). Two 200 answers: <c>{"pending":id,"status":"pending"}</c> (created), plus
/// <c>"duplicate_of":{"type","id"}</c> when it is stored as a probable duplicate of a point within 100 m (or, for a report
/// without coordinates, with the same non-placeholder name; <c>?dedupe=0</c> or <c>?force=1</c> skip the check; decision
/// 0072), and <c>{"pending":id,"status":s,"existing":true}</c> (a retry of the same <c>user_id</c>+<c>message_id</c>).
/// Rate limit <c>bot_markers</c> per client IP and Telegram user.
/// </summary>
internal sealed class SubmitMarkerFromBotEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/bot/markers", HandleAsync)
            .RequireAuthorization(MapPolicies.Bot)
            .AllowApiKeyInQuery()
            .CsrfExempt()
            .Produces<SubmittedJson>()
            .WithRequestBody<BotMarkerBody>();

    private static async Task<IResult> HandleAsync(HttpContext context, ISender sender, IRateLimitGate rateLimits, MarkersSettings settings, CancellationToken cancellationToken)
    {
        var fields = await RequestBody.ReadAsync(context.Request, MarkerBodies.WithPhoto(settings), cancellationToken);
        var userId = fields.Text("user_id")?.Trim();
        var limit = await rateLimits.AcquireAsync(MarkersRateLimits.BotMarkers, BotRateLimit.Key(context, userId), cancellationToken);
        if (!limit.Allowed)
        {
            return new RateLimitedResult(limit, detailed: false);
        }

        var query = context.Request.Query;
        var command = new SubmitMarkerCommand(
            fields.FirstText("name", "address"),
            new CoordinatePair(fields.Coordinate("lat"), fields.Coordinate("lon")),
            fields.FirstText("notes", "description"),
            fields.Text("status"),
            fields.Text("link"),
            fields.Text("category"),
            ReadReporter(fields),
            userId,
            fields.Text("message_id")?.Trim(),
            fields.Text("photo"),
            IncomingPhoto.From(fields.File("photo", "file")),
            Dedupe: !IsOff(query["dedupe"]) && !IsOn(query["force"]));
        return await sender.Send(command, cancellationToken) switch
        {
            SubmitOutcome.Created created => Results.Json(new SubmittedJson(
                created.Id, "pending", DuplicateOf: created.DuplicateOf is { } duplicateOf ? new DuplicateOfJson(duplicateOf.Type, duplicateOf.Id) : null)),
            SubmitOutcome.Existing existing => Results.Json(new SubmittedJson(existing.Id, existing.State.ToWire(), Existing: true, existing.AddressId)),
            _ => throw new InvalidOperationException("unknown outcome"),
        };
    }

    /// <summary>JSON: <c>reporter</c> is <c>{"surname":..}</c>; forms send that object as a JSON string. A plain string is the name itself.</summary>
    private static string? ReadReporter(RequestBody fields)
    {
        if (fields.Json("reporter") is { ValueKind: JsonValueKind.Object } reporter)
        {
            return reporter.TryGetProperty("surname", out var surname) && surname.ValueKind == JsonValueKind.String ? surname.GetString() : null;
        }

        var text = fields.Text("reporter")?.Trim();
        if (text is null || !text.StartsWith('{'))
        {
            return text;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("surname", out var surname) && surname.ValueKind == JsonValueKind.String ? surname.GetString() : null;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static bool IsOff(string? value) => value?.Trim().ToLowerInvariant() is "0" or "false";

    private static bool IsOn(string? value) => value?.Trim().ToLowerInvariant() is "1" or "true";
}

/// <summary>
/// The answer: <c>{pending, status}</c>; a repeated submission adds <c>existing: true</c> and, once approved,
/// <c>address_id</c>; a new request that looks like a known one adds <c>duplicate_of</c>. Absent fields are left out.
/// </summary>
internal sealed record SubmittedJson(
    int Pending,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Existing = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AddressId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DuplicateOfJson? DuplicateOf = null);

/// <summary><c>{type, id}</c>: the address or request this one looks like.</summary>
internal sealed record DuplicateOfJson(string Type, long Id);

/// <summary>
/// The bot's marker request as JSON (multipart with a <c>photo</c> file is read too); <c>reporter</c> is the Telegram
/// profile, an object or its JSON text.
/// </summary>
internal sealed record BotMarkerBody(
    string Name,
    double Lat,
    double Lon,
    string? UserId,
    string? MessageId,
    string? Notes,
    string? Status,
    string? Link,
    string? Category,
    string? Photo,
    System.Text.Json.JsonElement? Reporter);
