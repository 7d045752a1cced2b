namespace Map.Host.Platform.Http;

/// <summary>
/// The one place where query strings and route values are checked before any endpoint runs: a NUL or a lone
/// surrogate (text PostgreSQL or strict UTF-8 cannot take) is a 400 <c>{"error":"... contains invalid
/// characters"}</c>. Bodies are checked by <see cref="RequestBody"/>.
/// </summary>
internal sealed class InputTextGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (key, values) in context.Request.Query)
        {
            if (!StoredText.IsStorable(key))
            {
                return RefuseAsync(context, "a query parameter name");
            }

            foreach (var value in values)
            {
                if (value is not null && !StoredText.IsStorable(value))
                {
                    return RefuseAsync(context, key);
                }
            }
        }

        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is string text && !StoredText.IsStorable(text))
            {
                return RefuseAsync(context, key);
            }
        }

        return next(context);
    }

    private static Task RefuseAsync(HttpContext context, string field) =>
        ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, $"{StoredText.Clip(field, 64, "…")} contains invalid characters");
}
