using System.Globalization;
using System.Text.Json;
using Carter;
using FluentValidation;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.MiniApp;

/// <summary>
/// POST <c>/api/bot/webapp_submit</c>: a request from the Telegram Mini App. <c>initData</c> comes from the
/// <c>X-Telegram-Init-Data</c> header, else the body's <c>initData</c>, else the query; it must carry a valid HMAC and be
/// younger than <c>TELEGRAM_INITDATA_MAX_AGE_SEC</c>, or 403 <c>{"error":"forbidden"}</c>. Body: <c>coords:{lat,lon}</c>
/// (or top-level lat/lon, now required: 400 <c>{"error":"invalid_coordinates"}</c>), <c>category</c> (default
/// <c>Прочее</c>), <c>description</c>, <c>photo</c> (an http(s) URL, or an image in base64 — a <c>data:</c> URL or bare,
/// as users paste it into the predecessor's "Фото (URL/base64)" field — checked by its bytes and stored as an upload;
/// decision 0071). → 200 <c>{"ok":true,"pending":id}</c> and <c>pending_created</c>. Limited per Telegram user with the
/// <c>bot_markers</c> budget (the predecessor had no limit).
/// </summary>
internal sealed class SubmitFromMiniAppEndpoint : ICarterModule
{
    public const string InitDataHeader = "X-Telegram-Init-Data";

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/bot/webapp_submit", HandleAsync)
            .AllowAnonymous()
            .CsrfExempt()
            .AuthenticatedBy(ApiAuthSchemes.TelegramInitData)
            .Produces<MiniAppSubmittedJson>()
            .WithFormBody<MiniAppSubmitBody>();

    /// <summary>
    /// The most read before initData is checked, when initData travels inside the body (the predecessor's page): its
    /// fields and a pasted base64 photo of up to about 750 KB. Larger bodies are refused on their declared length before
    /// any byte is read, and undeclared ones when the count passes it; larger photos come with the header (decision 0071).
    /// </summary>
    public const long AnonymousMaxBytes = 1024 * 1024;

    private static readonly BodyRules AnonymousBody = MarkerBodies.Fields with { MaxBytes = AnonymousMaxBytes, TooLargeError = PhotoStore.TooLarge };

    private static async Task<IResult> HandleAsync(
        HttpContext context, ITelegramInitDataValidator initData, IRateLimitGate rateLimits, ISender sender, MarkersSettings settings, CancellationToken cancellationToken)
    {
        // initData outside the body (the Mini App sends the header) is checked, and the rate limit taken, before the
        // body is read: an anonymous caller never gets a large body read. Only initData inside the body needs the
        // body first, and then the body is capped at AnonymousMaxBytes (a larger photo must come with the header).
        var outside = MarkerText.NullIfEmpty(context.Request.Headers[InitDataHeader].ToString())
            ?? MarkerText.NullIfEmpty(context.Request.Query["initData"].ToString());
        RequestBody? fields = null;
        if (outside is null)
        {
            fields = await RequestBody.ReadAsync(context.Request, AnonymousBody, cancellationToken);
        }

        if (initData.Validate(outside ?? MarkerText.NullIfEmpty(fields!.Text("initData"))) is not { } user)
        {
            return ApiErrors.Forbidden();
        }

        var limit = await rateLimits.AcquireAsync(MarkersRateLimits.BotMarkers, BotRateLimit.MiniAppKey(user.Id), cancellationToken);
        if (!limit.Allowed)
        {
            return new RateLimitedResult(limit, detailed: false);
        }

        fields ??= await RequestBody.ReadAsync(context.Request, MarkerBodies.WithInlinePhoto(settings), cancellationToken);

        var coordinates = fields.Json("coords") is { ValueKind: JsonValueKind.Object } coords
            ? new CoordinatePair(
                CoordinateInput.Parse(coords.TryGetProperty("lat", out var lat) ? lat : null),
                CoordinateInput.Parse(coords.TryGetProperty("lon", out var lon) ? lon : null))
            : new CoordinatePair(fields.Coordinate("lat"), fields.Coordinate("lon"));
        var id = await sender.Send(
            new SubmitFromMiniAppCommand(user, coordinates, fields.Text("category"), fields.Text("description"), fields.Text("photo")),
            cancellationToken);
        return Results.Json(new MiniAppSubmittedJson(Ok: true, id));
    }
}

/// <summary>The answer: <c>{ok:true, pending}</c> with the new request's id.</summary>
internal sealed record MiniAppSubmittedJson(bool Ok, int Pending);

internal sealed record SubmitFromMiniAppCommand(TelegramWebAppUser User, CoordinatePair Coordinates, string? Category, string? Description, string? Photo)
    : ICommand<int>;

internal sealed class SubmitFromMiniAppValidator : AbstractValidator<SubmitFromMiniAppCommand>
{
    public SubmitFromMiniAppValidator()
    {
        RuleFor(c => c.Coordinates).Must(pair => !InputRules.HasInvalidValue(pair) && pair.Point is not null).WithMessage("invalid_coordinates");
        RuleFor(c => c.Category).TextOfAtMost("category", MarkerText.CategoryMax);
        RuleFor(c => c.Description).TextOfAtMost("description", MarkerText.NotesMax);
        RuleFor(c => c.User.LastName ?? c.User.Username).TextOfAtMost("reporter", MarkerText.ReporterMax).OverridePropertyName("reporter");
    }
}

internal sealed class SubmitFromMiniAppHandler(MarkersDbContext db, ZoneLocator zones, PhotoStore photos, IEventBus events, TimeProvider clock)
    : ICommandHandler<SubmitFromMiniAppCommand, int>
{
    public const string DefaultCategory = "Прочее";
    public const string Status = "webapp";

    public async ValueTask<int> Handle(SubmitFromMiniAppCommand command, CancellationToken cancellationToken)
    {
        var point = command.Coordinates.Point!.Value;
        var category = MarkerText.NullIfEmpty(command.Category) ?? DefaultCategory;
        var notes = MarkerText.NullIfEmpty(command.Description);
        var (upload, photoUrl, bare) = InlinePhoto.Read(command.Photo);
        // A pasted text that decodes but is no image is not a photo at all: invalid_photo, like any other bad value.
        var extension = upload is null ? null : await photos.CheckAsync(upload, cancellationToken, bare ? InlinePhoto.Invalid : PhotoStore.UnsupportedType);

        var userId = command.User.Id.ToString(CultureInfo.InvariantCulture);
        var reporter = MarkerText.NullIfEmpty(command.User.LastName ?? command.User.Username);
        var zoneId = await zones.LocateAsync(point, cancellationToken);
        var photo = extension is null ? photoUrl : await photos.SaveAsync(upload!, extension, cancellationToken);
        var marker = PendingMarker.Submit(
            new PointContent($"MiniApp: {category}", point, notes, Status, null, category, zoneId, photo),
            new Submitter(userId, null, reporter),
            Actors.Telegram(userId),
            clock.Now());
        db.PendingMarkers.Add(marker);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            if (extension is not null)
            {
                photos.Discard(photo);
            }

            throw;
        }

        await events.PublishAsync(new PendingCreated(marker.Id, marker.Fields.Name, point.Lat, point.Lon, marker.ZoneId), CancellationToken.None);
        return marker.Id;
    }
}

/// <summary>
/// The Mini App's <c>photo</c> text: an http(s) URL (kept as a link), a <c>data:image/...;base64,</c> URL, or bare base64
/// as pasted into the predecessor's "Фото (URL/base64)" field (standard or URL-safe alphabet, padding optional,
/// whitespace ignored). Anything else is 400 <c>invalid_photo</c>. The bytes are checked by <see cref="PhotoStore"/>.
/// </summary>
internal static class InlinePhoto
{
    public const string Invalid = "invalid_photo";

    public static (IncomingPhoto? Upload, string? Url, bool Bare) Read(string? photo)
    {
        var text = MarkerText.NullIfEmpty(photo);
        if (text is null)
        {
            return (null, null, false);
        }

        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            return comma >= 0 && text.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase)
                ? (Decode(text[(comma + 1)..]), null, false)
                : throw DomainException.Invalid(Invalid);
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return text.Length <= MarkerText.PhotoMax ? (null, text, false) : throw DomainException.Invalid(Invalid);
        }

        return (Decode(text), null, true);
    }

    private static IncomingPhoto Decode(string base64)
    {
        var compact = new System.Text.StringBuilder(base64.Length + 3);
        foreach (var c in base64)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact.Append(c switch { '-' => '+', '_' => '/', _ => c });
            }
        }

        if (compact.Length % 4 is not 0)
        {
            compact.Append('=', 4 - (compact.Length % 4));
        }

        try
        {
            var bytes = Convert.FromBase64String(compact.ToString());
            return bytes.Length > 0 ? new IncomingPhoto(bytes.Length, () => new MemoryStream(bytes, writable: false)) : throw DomainException.Invalid(Invalid);
        }
        catch (FormatException)
        {
            throw DomainException.Invalid(Invalid);
        }
    }
}

/// <summary>
/// The Mini App's request: the position as <c>coords</c> or <c>lat</c>/<c>lon</c>, a category, a description, a base64
/// photo, and <c>initData</c> when it is not sent in the header.
/// </summary>
internal sealed record MiniAppSubmitBody(
    [property: System.Text.Json.Serialization.JsonPropertyName("initData")] string? InitData,
    MiniAppCoordsBody? Coords,
    double? Lat,
    double? Lon,
    string? Category,
    string? Description,
    string? Photo);

/// <summary>The Mini App's position.</summary>
internal sealed record MiniAppCoordsBody(double Lat, double Lon);
