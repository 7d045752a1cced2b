using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Map.Modules.Tracker.Wire;

/// <summary>
/// The tracker envelope (tracker spec §3.1): <c>ok</c>, <c>schema_version</c>, <c>server_time</c> (UTC, microseconds,
/// <c>Z</c>), <c>request_id</c>, then the endpoint's fields at top level; errors carry <c>code</c>, <c>error</c> and
/// optional <c>details</c>.
/// </summary>
internal static class Envelope
{
    public const int SchemaVersion = 1;

    public static IResult Ok(object? fields = null, int statusCode = StatusCodes.Status200OK) => new EnvelopeResult(true, statusCode, fields, null, null, null);

    public static IResult Error(int statusCode, string code, string error, object? details = null) =>
        new EnvelopeResult(false, statusCode, null, code, error, details);

    /// <summary>A broken rule in the envelope: its kind gives the status, its code (else the kind's) and text the body.</summary>
    public static IResult Error(DomainException rule) =>
        Error(DomainErrorStatus.Of(rule.Kind), rule.Code ?? CodeOf(rule.Kind), rule.Error, rule.Details);

    public static IResult NotFound() => Error(DomainException.NotFound());

    private static string CodeOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.NotFound => "not_found",
        DomainErrorKind.Forbidden => "forbidden",
        DomainErrorKind.Conflict => "conflict",
        DomainErrorKind.TooLarge => "payload_too_large",
        DomainErrorKind.Gone => "gone",
        _ => "bad_request",
    };

    public static string ServerTime(TimeProvider clock) =>
        clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class EnvelopeResult(bool ok, int statusCode, object? fields, string? code, string? error, object? details) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var clock = (TimeProvider?)httpContext.RequestServices.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
            var body = new JsonObject
            {
                ["ok"] = ok,
            };
            if (!ok)
            {
                body["code"] = code;
                body["error"] = error;
            }

            body["schema_version"] = SchemaVersion;
            body["server_time"] = ServerTime(clock);
            body["request_id"] = httpContext.TraceIdentifier;
            if (details is not null)
            {
                body["details"] = JsonSerializer.SerializeToNode(details, details.GetType(), WireJson.Options);
            }

            if (fields is not null && JsonSerializer.SerializeToNode(fields, fields.GetType(), WireJson.Options) is JsonObject extra)
            {
                foreach (var (name, value) in extra.ToList())
                {
                    extra.Remove(name);
                    body[name] = value;
                }
            }

            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await httpContext.Response.WriteAsync(body.ToJsonString(WireJson.Options), httpContext.RequestAborted);
        }
    }
}

/// <summary>
/// Declares an enveloped success answer for the OpenAPI document (decision 0090): the fields the handler passes to
/// <see cref="Envelope.Ok"/>, shown at the envelope's top level.
/// </summary>
internal static class EnvelopeDocumentation
{
    public static RouteHandlerBuilder ProducesEnvelope<TFields>(this RouteHandlerBuilder builder, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces<TFields>(statusCode).WithMetadata(new ApiSuccessEnvelopeAttribute());

    /// <summary>The bare envelope (<c>Envelope.Ok()</c>, no fields).</summary>
    public static RouteHandlerBuilder ProducesEnvelope(this RouteHandlerBuilder builder) =>
        builder.Produces(StatusCodes.Status200OK).WithMetadata(new ApiSuccessEnvelopeAttribute());
}
