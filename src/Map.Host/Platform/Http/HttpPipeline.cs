using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;

namespace Map.Host.Platform.Http;

/// <summary>Security headers (test-pinned values) and the request id every response carries.</summary>
internal sealed class ResponseHeadersMiddleware(RequestDelegate next, ILogger<ResponseHeadersMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-ID";

    public async Task InvokeAsync(HttpContext context)
    {
        string? incoming = context.Request.Headers[RequestIdHeader];
        var requestId = IsAcceptableRequestId(incoming) ? incoming! : Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            // Set, not added: the Hangfire dashboard writes its own SAMEORIGIN, and every response promises DENY.
            headers.XFrameOptions = "DENY";
            headers.TryAdd("Referrer-Policy", "same-origin");
            headers[RequestIdHeader] = requestId;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
        {
            await next(context);
        }
    }

    /// <summary>Echo a client's id only when it is short and printable, so it cannot forge log lines.</summary>
    private static bool IsAcceptableRequestId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}

/// <summary>
/// Turns exceptions into the legacy error bodies: a <see cref="DomainException"/> → the status of its kind and its
/// <c>error</c>; an <see cref="ApiException"/> of the body reader → its status and <c>error</c>;
/// malformed requests → 400 or 413; anything else → 500 <c>{"error":"internal_error"}</c> and one log line.
/// No stack trace ever reaches the wire.
/// </summary>
internal sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, error) = exception switch
        {
            DomainException rule => (DomainErrorStatus.Of(rule.Kind), rule.Error),
            ApiException api => (api.StatusCode, api.Error),
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => (bad.StatusCode, "payload too large"),
            BadHttpRequestException bad => (bad.StatusCode, "bad request"),
            System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, "invalid json"),
            // The Hangfire dashboard reads its antiforgery token from the posted form; a broken form is the client's fault.
            Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException => (StatusCodes.Status400BadRequest, "invalid form body"),
            _ => (StatusCodes.Status500InternalServerError, "internal_error"),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        await ApiErrors.WriteAsync(httpContext, status, error);
        return true;
    }
}

internal static class StatusCodeBodies
{
    /// <summary>Empty 404/405 answers (no route) get a JSON body too, so clients always see <c>{"error": ...}</c>.</summary>
    public static Task WriteAsync(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        if (response.HasStarted || response.ContentLength > 0 || response.ContentType is not null)
        {
            return Task.CompletedTask;
        }

        var error = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => "not found",
            StatusCodes.Status405MethodNotAllowed => "method not allowed",
            StatusCodes.Status415UnsupportedMediaType => "unsupported media type",
            _ => null,
        };
        return error is null ? Task.CompletedTask : response.WriteAsJsonAsync(new ErrorBody(error));
    }
}
