using System.Threading.RateLimiting;
using Map.Host.Platform.Config;
using Microsoft.AspNetCore.RateLimiting;

namespace Map.Host.Platform.RateLimiting;

internal static class RateLimitingSetup
{
    /// <summary>
    /// One ASP.NET Core rate-limiter policy per bucket, partitioned by the (proxy-aware) client IP, for endpoints
    /// that declare <c>.RequireRateLimiting(bucket)</c>; plus <see cref="IRateLimitGate"/> for body-keyed limits.
    /// </summary>
    public static IServiceCollection AddMapRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<FixedWindowLimiterFactory>();
        services.AddSingleton<RateLimitGate>();
        services.AddSingleton<IRateLimitGate>(sp => sp.GetRequiredService<RateLimitGate>());
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<FixedWindowLimiterFactory>((options, factory) =>
        {
            foreach (var bucket in RateLimitBucketCatalog.All)
            {
                options.AddPolicy(bucket.Name, context =>
                {
                    var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                    return RateLimitPartition.Get(ip, key => factory.Create(bucket, key));
                });
            }

            options.OnRejected = async (context, cancellationToken) =>
            {
                var policy = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                var bucket = policy is null ? null : RateLimitBucketCatalog.All.FirstOrDefault(b => b.Name == policy);
                var settings = context.HttpContext.RequestServices.GetRequiredService<MapSettings>();
                var limit = bucket is null ? 0 : settings.RateLimits[bucket.Name];
                var decision = FixedWindowLimiterFactory.Describe(context.Lease, limit);
                await WriteRejectionAsync(context.HttpContext, bucket?.BodyStyle ?? RateLimitBodyStyle.Minimal, decision, cancellationToken);
            };
        });
        return services;
    }

    private static Task WriteRejectionAsync(HttpContext context, RateLimitBodyStyle style, RateLimitDecision decision, CancellationToken cancellationToken) =>
        new RateLimitedResult(decision, style == RateLimitBodyStyle.Detailed).ExecuteAsync(context);
}
