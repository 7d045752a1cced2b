using System.Security.Cryptography;
using Map.Host.Platform.Config;
using Scalar.AspNetCore;

namespace Map.Host.Platform.ApiDocs;

/// <summary>
/// The OpenAPI 3.1 document of Map's HTTP API at <c>/openapi/v1.json</c>, generated from the endpoints themselves
/// (Microsoft.AspNetCore.OpenApi), and the interactive reference (Scalar, its script served from the package, not a
/// CDN) at <c>/docs</c>. Who may read them is <c>API_DOCS_ACCESS</c> (decision 0090).
/// </summary>
internal static class ApiDocsSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPattern = "/openapi/{documentName}.json";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";

    public static IServiceCollection AddMapApiDocs(this IServiceCollection services, MapSettings settings)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1;
            options.AddOperationTransformer(new ApiOperationTransformer());
            options.AddDocumentTransformer(new ApiDocumentTransformer(settings));
            options.AddSchemaTransformer(new OmittedPropertiesTransformer());
        });
        return services;
    }

    public static void MapMapApiDocs(this WebApplication app, MapSettings settings)
    {
        if (settings.ApiDocsAccess == ApiDocsAccess.Off)
        {
            return;
        }

        var document = app.MapOpenApi(DocumentPattern);
        var reference = app.MapScalarApiReference(ReferencePath, (options, context) =>
        {
            // Scalar's HTML has inline scripts (its configuration): they run under a nonce made for this response only.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            options
                .WithTitle("Map API")
                .WithOpenApiRoutePattern(DocumentPattern)
                .WithNonce(nonce)
                .DisableDefaultFonts()
                .DisableTelemetry();
            context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
        });
        if (settings.ApiDocsAccess == ApiDocsAccess.Admins)
        {
            document.RequireAuthorization(MapPolicies.Viewer);
            reference.RequireAuthorization(MapPolicies.Viewer);
        }
        else
        {
            document.AllowAnonymous();
            reference.AllowAnonymous();
        }
    }

    /// <summary>
    /// The reference page: scripts from Map only (the bundled scalar.js) plus its own nonced inline configuration;
    /// Scalar styles itself inline; requests (the document, "try it") go to Map only.
    /// </summary>
    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        + "frame-ancestors 'none'; form-action 'self'";
}
