using Microsoft.AspNetCore.Builder;

namespace Map.SharedKernel;

/// <summary>Marks an endpoint whose unsafe requests need no CSRF token (e.g. <c>POST /login</c>).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CsrfExemptAttribute : Attribute;

/// <summary>
/// Marks a GET that changes state (kept as GET for a legacy client): a cookie-authenticated request must send the CSRF
/// token header like any unsafe request (decision 0033).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class CsrfRequiredAttribute : Attribute;

/// <summary>Lets the bot key arrive as the <c>api_key</c> query parameter on this endpoint (legacy bot routes only).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AllowApiKeyInQueryAttribute : Attribute;

/// <summary>
/// Lets a request without any bot key count as the bot when its client address (after trusted-proxy forwarding) is in
/// <c>BOT_TRUSTED_NETWORKS</c> (decision 0070). Only for the routes the legacy bot calls without a key:
/// POST and GET <c>/api/chat/{user_id}</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AllowTrustedBotNetworkAttribute : Attribute;

public static class EndpointConventionExtensions
{
    public static TBuilder CsrfExempt<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new CsrfExemptAttribute());

    public static TBuilder CsrfRequired<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new CsrfRequiredAttribute());

    public static TBuilder AllowApiKeyInQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowApiKeyInQueryAttribute());

    public static TBuilder AllowTrustedBotNetwork<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowTrustedBotNetworkAttribute());
}

/// <summary>Overrides the 403 body's <c>error</c> for an endpoint (duty bot routes answer <c>Unauthorized</c>).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ForbiddenErrorAttribute(string error) : Attribute
{
    public string Error { get; } = error;
}
