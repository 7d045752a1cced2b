using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Wire;
using QRCoder;

namespace Map.Modules.Tracker.Features.IssuePairCode;

/// <summary>
/// <c>POST /api/tracker/admin/pair-code/qr</c> (editor, CSRF): the QR image (SVG) of a pair code the "Выдать код"
/// dialog of <c>/admin/service</c> has just been given, so a phone can scan it instead of typing it. The code travels
/// in the body (never in a URL, which logs keep); only 6 digits are drawn, nothing is stored or looked up. The page
/// shows the image through a <c>blob:</c> URL (the pages' CSP allows <c>img-src blob:</c>).
/// </summary>
internal sealed class PairCodeQrEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/admin/pair-code/qr", async (HttpContext context, CancellationToken ct) =>
        {
            var body = await TrackerBody.ReadObjectAsync(context.Request, 4 * 1024, ct);
            var code = body.TryGetFirst(out var value, "code") && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
            if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
            {
                return Envelope.Error(StatusCodes.Status400BadRequest, "bad_request", "code must be 6 digits");
            }

            context.Response.Headers.CacheControl = "no-store";
            return Results.Text(Svg(code), "image/svg+xml; charset=utf-8");
        }).RequireAuthorization(MapPolicies.Editor).WithTrackerErrors().Produces(StatusCodes.Status200OK, contentType: "image/svg+xml")
            .WithRequestBody<PairCodeQrBody>();

    /// <summary>The code as an SVG QR code (error correction M, 8 units per module, quiet zone included).</summary>
    public static string Svg(string code)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(code, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(8);
    }
}

/// <summary>The pairing code to draw: 6 digits.</summary>
internal sealed record PairCodeQrBody(string Code);
