using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Map.Host.Platform.Config;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Map.Host.Platform.ApiDocs;

/// <summary>
/// Each operation's access, read from the endpoint's own metadata: its authorization policy (<see cref="MapPolicies"/>)
/// or <see cref="AuthenticatedByAttribute"/> becomes <c>security</c> (alternatives; the session needs the CSRF header
/// on unsafe requests), <c>x-map-access</c> names it in words (<c>public</c> for anonymous routes), and the legacy error
/// bodies the route can answer are listed. The tag is the module that owns the handler.
/// </summary>
internal sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public const string AccessExtension = "x-map-access";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        Describe(operation, metadata, description.HttpMethod, description.ParameterDescriptions.Count > 0, context.Document);
        foreach (var alternative in metadata.OfType<ApiAlternativeAnswerAttribute>())
        {
            if (operation.Responses?.GetValueOrDefault(alternative.StatusCode.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse { Content: { } content }
                && content.TryGetValue("application/json", out var media) && media.Schema is { } declared)
            {
                var other = alternative.AnswerType.IsGenericType && alternative.AnswerType.GetGenericTypeDefinition() == typeof(Page<>) && declared.Items is { } items
                    ? PageOf(items)
                    : await context.GetOrCreateSchemaAsync(alternative.AnswerType, null, cancellationToken);
                media.Schema = new OpenApiSchema { OneOf = [declared, other] };
            }
        }

        if (metadata.OfType<ApiRequestBodyAttribute>().LastOrDefault() is { } body && operation.RequestBody is null)
        {
            // The body is described here only, not with .Accepts<T>(): that would make routing answer 415 to legacy
            // clients that send JSON under no or another content type (decision 0090).
            var schema = await context.GetOrCreateSchemaAsync(body.BodyType, null, cancellationToken);
            if (schema is OpenApiSchema { Required: { Count: > 0 } required, Properties: { } properties })
            {
                // The generator lists every record parameter as required; a request field the handler reads as
                // optional (a nullable parameter) may be left out.
                foreach (var name in required.Where(name => properties.TryGetValue(name, out var property) && AdmitsNull(property)).ToList())
                {
                    required.Remove(name);
                }
            }

            var content = new Dictionary<string, OpenApiMediaType>();
            if (body.Json)
            {
                content["application/json"] = new() { Schema = schema };
            }

            if (body.Form)
            {
                content["multipart/form-data"] = new() { Schema = schema };
                if (body.Json)
                {
                    content["application/x-www-form-urlencoded"] = new() { Schema = schema };
                }
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = body.Required,
                Description = body.Form
                    ? body.Json ? "Form fields (multipart with files, or url-encoded), or the same fields as JSON." : "A multipart form."
                    : "JSON; read whatever the Content-Type header says (legacy clients send none or text/plain).",
                Content = content,
            };
        }
    }

    private static bool AdmitsNull(IOpenApiSchema schema) =>
        (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)) || schema.OneOf?.Any(AdmitsNull) == true || schema.AnyOf?.Any(AdmitsNull) == true;

    /// <summary>
    /// The page of a declared list (<see cref="Page{T}"/>), its items by the list's own reference: a schema made by the
    /// generator for the page type would inline them and lose their nullable references.
    /// </summary>
    private static OpenApiSchema PageOf(IOpenApiSchema items) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The page asked for with page/per_page.",
        Required = new HashSet<string> { "items", "page", "per_page", "total" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["items"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = items },
            ["page"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["per_page"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["total"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
        },
    };

    /// <summary>Access, tag and error responses of one operation, from its endpoint's metadata.</summary>
    internal static void Describe(OpenApiOperation operation, IEnumerable<object> endpointMetadata, string? httpMethod, bool hasParameters, OpenApiDocument? document)
    {
        var metadata = endpointMetadata.ToList();
        var unsafeMethod = httpMethod is { } method && !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        var needsCsrf = metadata.OfType<CsrfRequiredAttribute>().Any() || (unsafeMethod && !metadata.OfType<CsrfExemptAttribute>().Any());
        var access = AccessOf(metadata, needsCsrf);

        operation.Security = [.. access.Alternatives.Select(schemes => Requirement(document, schemes))];
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[AccessExtension] = new JsonNodeExtension(JsonValue.Create(access.Words));
        operation.Tags = new HashSet<OpenApiTagReference> { new(ModuleOf(metadata), document) };

        var errors = metadata.OfType<ApiErrorSchemaAttribute>().LastOrDefault()?.Schema ?? ApiErrorSchemas.Legacy;
        operation.Responses ??= [];
        if (unsafeMethod || hasParameters)
        {
            AddError(operation, document, "400", "The request was refused (bad input); the body names why.", errors);
        }

        if (access.Alternatives.Count > 0)
        {
            if (errors == ApiErrorSchemas.TrackerEnvelope)
            {
                AddError(operation, document, "401", "No device token (code missing_token).", errors);
            }

            AddError(operation, document, "403", "Not allowed: no or wrong credentials, too low a role, or a missing CSRF header. Legacy clients get 403, never 401.", errors);
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any() || errors == ApiErrorSchemas.TrackerEnvelope || access.Alternatives.Any(a => a.Contains(ApiAuthSchemes.TelegramInitData)))
        {
            AddError(operation, document, "429", "Over the rate limit of the route's bucket.", ApiErrorSchemas.RateLimited);
        }

        foreach (var status in metadata.OfType<ApiErrorStatusesAttribute>().SelectMany(a => a.Statuses))
        {
            AddError(operation, document, status.ToString(CultureInfo.InvariantCulture), ErrorText(status), errors);
        }

        AddError(operation, document, "500", "An unexpected error (logged with the request id); body {\"error\":\"internal_error\"}.", errors);
        AddContentTypes(operation, metadata);
        if (metadata.OfType<ApiSuccessEnvelopeAttribute>().Any())
        {
            Envelop(operation, document);
        }
    }

    /// <summary>
    /// <c>.Produces(status, contentType: "text/csv")</c> (no type: files, pages, images, the event stream) is left without
    /// content by the generator; its content types are listed here, text as a string, anything else as bytes.
    /// </summary>
    private static void AddContentTypes(OpenApiOperation operation, List<object> metadata)
    {
        foreach (var produces in metadata.OfType<IProducesResponseTypeMetadata>().Where(p => (p.Type is null || p.Type == typeof(void)) && p.ContentTypes.Any()))
        {
            var status = produces.StatusCode.ToString(CultureInfo.InvariantCulture);
            if (!operation.Responses!.TryGetValue(status, out var item))
            {
                item = new OpenApiResponse { Description = ReasonPhrases.GetReasonPhrase(produces.StatusCode) };
                operation.Responses[status] = item;
            }

            if (item is OpenApiResponse response)
            {
                response.Content ??= new Dictionary<string, OpenApiMediaType>();
                foreach (var contentType in produces.ContentTypes)
                {
                    var text = contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase);
                    response.Content.TryAdd(contentType, new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = text ? null : "binary" },
                    });
                }
            }
        }
    }

    /// <summary>
    /// The success answers of an enveloped route: <c>allOf</c> the envelope's own fields and the declared ones (which
    /// the envelope puts at its top level); a declared status without a body is the bare envelope.
    /// </summary>
    private static void Envelop(OpenApiOperation operation, OpenApiDocument? document)
    {
        foreach (var response in operation.Responses!.Where(r => r.Key.StartsWith('2')).Select(r => r.Value).OfType<OpenApiResponse>())
        {
            var envelope = new OpenApiSchemaReference(ApiSuccessEnvelopeAttribute.SchemaName, document);
            if (response.Content?.TryGetValue("application/json", out var media) == true && media.Schema is { } fields)
            {
                media.Schema = new OpenApiSchema { AllOf = [envelope, fields] };
            }
            else
            {
                response.Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = envelope } };
            }
        }
    }

    private static string ErrorText(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Not found (no such id).",
        StatusCodes.Status409Conflict => "Conflicts with the current state; the body names why.",
        StatusCodes.Status410Gone => "Gone (expired or already used).",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        _ => "An error; the body names why.",
    };

    /// <summary>The documented access of an endpoint: alternatives of schemes (all of one alternative are needed).</summary>
    internal static (IReadOnlyList<string[]> Alternatives, string Words) AccessOf(IEnumerable<object> metadata, bool needsCsrf)
    {
        string[] session = needsCsrf ? [ApiAuthSchemes.Session, ApiAuthSchemes.Csrf] : [ApiAuthSchemes.Session];
        var botInQuery = metadata.OfType<AllowApiKeyInQueryAttribute>().Any();
        var bot = botInQuery ? new[] { [ApiAuthSchemes.BotKey], new[] { ApiAuthSchemes.BotKeyQuery } } : new[] { new[] { ApiAuthSchemes.BotKey } };
        var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        if (!anonymous && policy is not null)
        {
            return policy switch
            {
                MapPolicies.Viewer => ([session], "admin session, role viewer or higher"),
                MapPolicies.Editor => ([session], "admin session, role editor or higher"),
                MapPolicies.Superadmin => ([session], "admin session, role superadmin"),
                MapPolicies.ViewerOrBot => ([session, .. bot], "admin session (viewer or higher) or the bot key"),
                MapPolicies.EditorOrBot => ([session, .. bot], "admin session (editor or higher) or the bot key"),
                MapPolicies.Bot => (bot, "the bot key"),
                MapPolicies.ViewerOrTrustedNetworkBot => ([session], "admin session (viewer or higher), or the keyless legacy bot from BOT_TRUSTED_NETWORKS (decision 0070)"),
                _ => throw new InvalidOperationException($"The OpenAPI document does not know the policy '{policy}': add it to {nameof(ApiOperationTransformer)}."),
            };
        }

        var own = metadata.OfType<AuthenticatedByAttribute>().SelectMany(a => a.Schemes).Distinct().ToArray();
        if (own.Length > 0)
        {
            return ([.. own.Select(s => new[] { s })], string.Join(" or ", own));
        }

        return ([], "public");
    }

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument? document, string[] schemes)
    {
        var requirement = new OpenApiSecurityRequirement();
        foreach (var scheme in schemes)
        {
            requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        }

        return requirement;
    }

    private static void AddError(OpenApiOperation operation, OpenApiDocument? document, string status, string text, string schema) =>
        operation.Responses!.TryAdd(status, new OpenApiResponse
        {
            Description = text,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(schema, document) },
            },
        });

    /// <summary><c>Map.Modules.Markers</c> → <c>Markers</c>; the host's own routes are <c>Platform</c>.</summary>
    private static string ModuleOf(IEnumerable<object> metadata)
    {
        var assembly = metadata.OfType<MethodInfo>().FirstOrDefault()?.DeclaringType?.Assembly.GetName().Name ?? "Map.Host";
        const string Prefix = "Map.Modules.";
        return assembly switch
        {
            _ when assembly.StartsWith(Prefix, StringComparison.Ordinal) => assembly[Prefix.Length..],
            _ => "Platform",
        };
    }
}

/// <summary>The document's title, the security schemes and the legacy error bodies every operation refers to.</summary>
internal sealed class ApiDocumentTransformer(MapSettings settings) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        AddRoutesOutsideApiExplorer(document, context.ApplicationServices.GetRequiredService<EndpointDataSource>());
        document.Info = new OpenApiInfo
        {
            Title = "Map API",
            Version = "v1",
            Description = "The HTTP API of Map, generated from its endpoints. Each operation's `security` lists the alternatives "
                + "that let a caller in and `x-map-access` says it in words (`public`: no credentials). Refusals are "
                + "`403 {\"error\":\"forbidden\"}` (never 401, except the tracker's device routes, which answer the tracker envelope). "
                + "Admin sessions come from `POST /login`; unsafe requests with the session cookie also need the `X-CSRF-Token` header "
                + "(the token is in the login answer and in `GET /me`).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        var schemes = document.Components.SecuritySchemes;
        schemes[ApiAuthSchemes.BotKey] = ApiKey(ParameterLocation.Header, "X-API-KEY", "The Telegram bot's shared key (BOT_API_KEY).");
        schemes[ApiAuthSchemes.BotKeyQuery] = ApiKey(ParameterLocation.Query, "api_key", "The bot key as a query parameter, on the legacy bot routes that allow it.");
        schemes[ApiAuthSchemes.Session] = ApiKey(ParameterLocation.Cookie, settings.SessionCookieName, "The admin session cookie set by POST /login.");
        schemes[ApiAuthSchemes.Csrf] = ApiKey(ParameterLocation.Header, "X-CSRF-Token", "The session's CSRF token (also accepted as X-CSRFToken); needed with the cookie on unsafe requests.");
        schemes[ApiAuthSchemes.DeviceToken] = ApiKey(ParameterLocation.Header, "X-DEVICE-TOKEN", "A tracker device token from POST /api/tracker/pair.");
        schemes[ApiAuthSchemes.DeviceBearer] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "A tracker device token as Authorization: Bearer." };
        schemes[ApiAuthSchemes.TelegramInitData] = ApiKey(ParameterLocation.Header, "X-Telegram-Init-Data", "Telegram Mini App initData (HMAC-checked, max age TELEGRAM_INITDATA_MAX_AGE_SEC); also accepted as the initData field.");
        schemes[ApiAuthSchemes.MetricsKey] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "METRICS_API_KEY (or X-API-KEY with it) on the metrics path." };

        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        var schemas = document.Components.Schemas;
        schemas[ApiErrorSchemas.Legacy] = Object(["error"], ("error", Scalar(JsonSchemaType.String)));
        schemas[ApiErrorSchemas.RateLimited] = Object(
            ["error"],
            ("error", Scalar(JsonSchemaType.String)),
            ("limit", Scalar(JsonSchemaType.Integer)),
            ("remaining", Scalar(JsonSchemaType.Integer)),
            ("reset_in", Scalar(JsonSchemaType.Integer)),
            ("code", Scalar(JsonSchemaType.String)),
            ("ok", Scalar(JsonSchemaType.Boolean)),
            ("schema_version", Scalar(JsonSchemaType.Integer)),
            ("server_time", Scalar(JsonSchemaType.String)),
            ("request_id", Scalar(JsonSchemaType.String)),
            ("details", new OpenApiSchema()),
            ("retry_after", Scalar(JsonSchemaType.Integer)));
        schemas[ApiSuccessEnvelopeAttribute.SchemaName] = Object(
            ["ok", "schema_version", "server_time", "request_id"],
            ("ok", Scalar(JsonSchemaType.Boolean)),
            ("schema_version", Scalar(JsonSchemaType.Integer)),
            ("server_time", Scalar(JsonSchemaType.String)),
            ("request_id", Scalar(JsonSchemaType.String)));
        schemas[ApiErrorSchemas.TrackerEnvelope] = Object(
            ["ok", "code", "error", "schema_version", "server_time", "request_id"],
            ("ok", Scalar(JsonSchemaType.Boolean)),
            ("code", Scalar(JsonSchemaType.String)),
            ("error", Scalar(JsonSchemaType.String)),
            ("schema_version", Scalar(JsonSchemaType.Integer)),
            ("server_time", Scalar(JsonSchemaType.String)),
            ("request_id", Scalar(JsonSchemaType.String)),
            ("details", new OpenApiSchema()));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Routes mapped with a plain request delegate (health checks, the metrics exporter, the WebSocket) are not seen
    /// by ApiExplorer; they are added from the EndpointDataSource with the same access rules, so every route is here.
    /// A route mapped for every method is documented as GET, the method its clients use.
    /// </summary>
    private static void AddRoutesOutsideApiExplorer(OpenApiDocument document, EndpointDataSource endpoints)
    {
        document.Paths ??= [];
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                continue;
            }

            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            }))));
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths[path] = item;
            }

            var pathItem = (OpenApiPathItem)item;
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get])
            {
                if (pathItem.Operations?.ContainsKey(HttpMethod.Parse(method)) == true)
                {
                    continue;
                }

                var operation = new OpenApiOperation
                {
                    Summary = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>()?.Summary ?? endpoint.DisplayName,
                    Description = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IEndpointDescriptionMetadata>()?.Description,
                    Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "OK" } },
                };
                ApiOperationTransformer.Describe(operation, endpoint.Metadata, method, hasParameters: false, document);
                pathItem.AddOperation(HttpMethod.Parse(method), operation);
            }
        }
    }

    private static OpenApiSecurityScheme ApiKey(ParameterLocation location, string name, string description) =>
        new() { Type = SecuritySchemeType.ApiKey, In = location, Name = name, Description = description };

    private static OpenApiSchema Scalar(JsonSchemaType type) => new() { Type = type };

    private static OpenApiSchema Object(string[] required, params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string>(required),
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
    };
}
