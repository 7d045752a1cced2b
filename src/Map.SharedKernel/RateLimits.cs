namespace Map.SharedKernel;

/// <summary>Outcome of a rate-limit check for one bucket and partition.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, int ResetInSeconds)
{
    public static RateLimitDecision Unlimited { get; } = new(true, int.MaxValue, int.MaxValue, 0);
}

/// <summary>
/// Fixed-window rate limits configured from <c>RATE_LIMIT_*</c>. Counters live in Redis when it is configured
/// (shared by every instance) and fall back to process memory while Redis is unreachable.
/// Endpoints whose partition key comes from the body (e.g. the Telegram user id) call this after binding.
/// </summary>
public interface IRateLimitGate
{
    ValueTask<RateLimitDecision> AcquireAsync(string bucket, string partitionKey, CancellationToken cancellationToken = default);
}

/// <summary>How a bucket's 429 body looks: the specs name two shapes.</summary>
public enum RateLimitBodyStyle
{
    /// <summary><c>{"error":"rate_limited","limit":N,"remaining":0,"reset_in":S}</c> (login, chat).</summary>
    Detailed,

    /// <summary><c>{"error":"rate_limited"}</c> (bot endpoints).</summary>
    Minimal,
}

/// <summary>
/// A rate-limit bucket of a spec: its name (the policy name endpoints and <see cref="IRateLimitGate"/> use), the
/// <c>RATE_LIMIT_*</c> variable that sets its limit per window, the default, and the shape of its 429 body.
/// A module declares its buckets in <see cref="IModule.RateLimitBuckets"/>.
/// </summary>
public sealed record RateLimitBucket(string Name, string EnvironmentVariable, int DefaultLimit, RateLimitBodyStyle BodyStyle)
{
    /// <summary>The default window (a minute); <see cref="WindowEnvironmentVariable"/> may change it.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The variable that sets the window in seconds where a spec names one (e.g. <c>CHAT2_SEND_RATE_WINDOW_SEC</c>); read
    /// at start-up like the limit, 1..86400, <see cref="Window"/> when unset.
    /// </summary>
    public string? WindowEnvironmentVariable { get; init; }

    /// <summary>
    /// A variable whose value is the limit when <see cref="RateLimitBucket.EnvironmentVariable"/> is unset, before
    /// <see cref="RateLimitBucket.DefaultLimit"/>: a spec may default one limit to another (chat spec §5:
    /// <c>CHAT2_SEND_RATE_LIMIT</c> defaults to <c>RATE_LIMIT_CHAT_PER_MINUTE</c>). It may be another bucket's variable.
    /// </summary>
    public string? FallbackEnvironmentVariable { get; init; }
}

/// <summary>The 429 answer in the legacy shapes, with <c>Retry-After</c>.</summary>
public sealed class RateLimitedResult(RateLimitDecision decision, bool detailed) : Microsoft.AspNetCore.Http.IResult
{
    public Task ExecuteAsync(Microsoft.AspNetCore.Http.HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status429TooManyRequests;
        httpContext.Response.Headers.RetryAfter = decision.ResetInSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        object body = detailed
            ? new { error = "rate_limited", limit = decision.Limit, remaining = 0, reset_in = decision.ResetInSeconds }
            : new { error = "rate_limited" };
        return Microsoft.AspNetCore.Http.HttpResponseJsonExtensions.WriteAsJsonAsync(httpContext.Response, body, httpContext.RequestAborted);
    }
}
