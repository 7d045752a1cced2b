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
/// Thrown by the edge only (the shared body reader) when a request cannot be read at all: broken JSON, form or
/// multipart, invalid characters, a body over its cap. Handlers and domain types throw <see cref="DomainException"/>
/// instead and never name a status (decision 0008; an architecture rule keeps modules off this type).
/// </summary>
public sealed class ApiException(int statusCode, string error) : Exception(error)
{
    public int StatusCode { get; } = statusCode;

    public string Error { get; } = error;

    public static ApiException BadRequest(string error) => new(StatusCodes.Status400BadRequest, error);
}
