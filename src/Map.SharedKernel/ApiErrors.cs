using Microsoft.AspNetCore.Http;

namespace Map.SharedKernel;

/// <summary>The legacy error body every client understands: <c>{"error": "..."}</c>.</summary>
public sealed record ErrorBody(string Error);

public static class ApiErrors
{
    public static IResult Error(int statusCode, string error) => Results.Json(new ErrorBody(error), statusCode: statusCode);

    public static IResult BadRequest(string error) => Error(StatusCodes.Status400BadRequest, error);

    public static IResult Forbidden() => Error(StatusCodes.Status403Forbidden, "forbidden");

    public static IResult NotFound(string error = "not found") => Error(StatusCodes.Status404NotFound, error);

    public static IResult Conflict(string error) => Error(StatusCodes.Status409Conflict, error);

    /// <summary>Writes the error body directly, for middleware and authentication events.</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string error)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new ErrorBody(error), context.RequestAborted);
    }
}

/// <summary>
/// Thrown by handlers for a client error the endpoint should answer with a given status and legacy body.
/// Validation failures from the pipeline become 400 with the first message.
/// </summary>
public sealed class ApiException(int statusCode, string error) : Exception(error)
{
    public int StatusCode { get; } = statusCode;

    public string Error { get; } = error;

    public static ApiException BadRequest(string error) => new(StatusCodes.Status400BadRequest, error);

    public static ApiException NotFound(string error = "not found") => new(StatusCodes.Status404NotFound, error);

    public static ApiException Forbidden() => new(StatusCodes.Status403Forbidden, "forbidden");

    public static ApiException Conflict(string error) => new(StatusCodes.Status409Conflict, error);
}
