using Microsoft.AspNetCore.Builder;

namespace Map.SharedKernel;

/// <summary>
/// The security schemes of Map's OpenAPI document (decision 0090). Policies (<see cref="MapPolicies"/>) are translated
/// by the host; endpoints that authenticate their callers themselves (device tokens, Telegram initData) say so with
/// <see cref="AuthenticatedByAttribute"/>, so the document shows how to call them.
/// </summary>
public static class ApiAuthSchemes
{
    /// <summary>The bot's shared key in <c>X-API-KEY</c>.</summary>
    public const string BotKey = "botKey";

    /// <summary>The bot's key as the <c>api_key</c> query parameter (legacy bot routes only).</summary>
    public const string BotKeyQuery = "botKeyQuery";

    /// <summary>The admin session cookie set by <c>POST /login</c>.</summary>
    public const string Session = "session";

    /// <summary>The session's CSRF token in <c>X-CSRF-Token</c>, with the cookie on unsafe requests.</summary>
    public const string Csrf = "csrfToken";

    /// <summary>A tracker device token in <c>X-DEVICE-TOKEN</c>.</summary>
    public const string DeviceToken = "deviceToken";

    /// <summary>A tracker device token as <c>Authorization: Bearer</c>.</summary>
    public const string DeviceBearer = "deviceBearer";

    /// <summary>Telegram Mini App <c>initData</c> in <c>X-Telegram-Init-Data</c> (or the <c>initData</c> field).</summary>
    public const string TelegramInitData = "telegramInitData";

    /// <summary><c>METRICS_API_KEY</c> as <c>Authorization: Bearer</c> (or <c>X-API-KEY</c>) on the metrics path.</summary>
    public const string MetricsKey = "metricsKey";
}

/// <summary>
/// Documents that an endpoint authenticates its callers itself with these schemes (one of them suffices), rather than
/// through an authorization policy. Read by the OpenAPI document only; it grants nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class AuthenticatedByAttribute(params string[] schemes) : Attribute
{
    public IReadOnlyList<string> Schemes { get; } = schemes;
}

public static class ApiDocumentationExtensions
{
    /// <summary>See <see cref="AuthenticatedByAttribute"/>.</summary>
    public static TBuilder AuthenticatedBy<TBuilder>(this TBuilder builder, params string[] schemes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuthenticatedByAttribute(schemes));
}

/// <summary>The error bodies the OpenAPI document names (its <c>components.schemas</c>).</summary>
public static class ApiErrorSchemas
{
    /// <summary><c>{"error": "..."}</c>: every route unless it says otherwise.</summary>
    public const string Legacy = "ErrorBody";

    /// <summary>The tracker envelope with <c>ok:false</c>, <c>code</c>, <c>error</c> (tracker spec §3.1).</summary>
    public const string TrackerEnvelope = "TrackerError";

    /// <summary>429 <c>{"error":"rate_limited", ...}</c>.</summary>
    public const string RateLimited = "RateLimited";
}

/// <summary>Documents that an endpoint answers its errors with another body than <see cref="ErrorBody"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ApiErrorSchemaAttribute(string schema) : Attribute
{
    public string Schema { get; } = schema;
}

/// <summary>
/// Documents that the endpoint's success answers are the tracker envelope (<c>ok:true</c>, <c>schema_version</c>,
/// <c>server_time</c>, <c>request_id</c>) with the declared <c>.Produces&lt;T&gt;</c> fields at its top level; the
/// document shows them as <c>allOf</c> of <see cref="SchemaName"/> and the fields.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ApiSuccessEnvelopeAttribute : Attribute
{
    public const string SchemaName = "TrackerOk";
}

/// <summary>
/// Documents error statuses the endpoint answers besides the ones every route gets (400, 403, 429, 500), with the
/// route's error body (<see cref="ApiErrorSchemaAttribute"/>, else <see cref="ApiErrorSchemas.Legacy"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class ApiErrorStatusesAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>
/// Documents the request body an endpoint reads itself (<c>RequestBody.ReadAsync</c>, lenient about the content
/// type): JSON, or with <see cref="Form"/> a multipart form (<c>IFormFile</c> fields are files) that JSON may replace.
/// Read by the OpenAPI document only: unlike <c>.Accepts&lt;T&gt;()</c> it adds no content-type constraint, so legacy
/// clients that send JSON under no or another content type still reach the handler (decision 0090).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ApiRequestBodyAttribute(Type bodyType, bool required = true, bool form = false, bool json = true) : Attribute
{
    public Type BodyType { get; } = bodyType;

    public bool Required { get; } = required;

    /// <summary>The body is (also) <c>multipart/form-data</c> or <c>application/x-www-form-urlencoded</c>.</summary>
    public bool Form { get; } = form;

    /// <summary>The body may be JSON (always, unless a form body says otherwise: a file upload only).</summary>
    public bool Json { get; } = json;
}

/// <summary>
/// Documents a second shape of a success answer (the document shows <c>oneOf</c> the declared one and this): legacy
/// routes that answer a bare array, or a page when the query asks for one, or another body by state.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class ApiAlternativeAnswerAttribute(Type answerType, int statusCode) : Attribute
{
    public Type AnswerType { get; } = answerType;

    public int StatusCode { get; } = statusCode;
}

public static class ApiShapeExtensions
{
    /// <summary>See <see cref="ApiAlternativeAnswerAttribute"/>.</summary>
    public static RouteHandlerBuilder ProducesAlternative<TAnswer>(this RouteHandlerBuilder builder, int statusCode = StatusCodes.Status200OK) =>
        builder.WithMetadata(new ApiAlternativeAnswerAttribute(typeof(TAnswer), statusCode));

    /// <summary>See <see cref="ApiRequestBodyAttribute"/>.</summary>
    public static RouteHandlerBuilder WithRequestBody<TBody>(this RouteHandlerBuilder builder, bool required = true) =>
        builder.WithMetadata(new ApiRequestBodyAttribute(typeof(TBody), required));

    /// <summary>
    /// A form body (<c>multipart/form-data</c> with files, or url-encoded) that the handler also takes as JSON unless
    /// <paramref name="alsoJson"/> is false; see <see cref="ApiRequestBodyAttribute"/>.
    /// </summary>
    public static RouteHandlerBuilder WithFormBody<TBody>(this RouteHandlerBuilder builder, bool required = true, bool alsoJson = true) =>
        builder.WithMetadata(new ApiRequestBodyAttribute(typeof(TBody), required, form: true, json: alsoJson));

    /// <summary>See <see cref="ApiErrorStatusesAttribute"/>.</summary>
    public static TBuilder WithErrorStatuses<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiErrorStatusesAttribute(statuses));
}
