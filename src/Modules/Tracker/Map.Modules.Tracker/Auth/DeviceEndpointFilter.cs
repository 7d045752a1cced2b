using System.Globalization;
using Map.Modules.Tracker.Alerts;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Map.Modules.Tracker.Auth;

/// <summary>
/// Device endpoints (tracker spec §3.1): token authentication with the envelope's 401 <c>missing_token</c> / 403
/// <c>invalid_token</c> / 403 <c>revoked_token</c>, then the endpoint's rate-limit bucket per device (Redis-shared
/// fixed window), then the handler; a <see cref="DomainException"/> from the handler becomes its enveloped error.
/// </summary>
internal static class DeviceEndpoints
{
    public static RouteHandlerBuilder RequireDevice(this RouteHandlerBuilder builder, string? bucket = null) =>
        builder.CsrfExempt()
            .AuthenticatedBy(ApiAuthSchemes.DeviceToken, ApiAuthSchemes.DeviceBearer)
            .WithMetadata(new ApiErrorSchemaAttribute(ApiErrorSchemas.TrackerEnvelope))
            .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var result = await http.AuthenticateAsync(DeviceTokenAuthenticationHandler.SchemeName);
            if (result.None)
            {
                return Envelope.Error(StatusCodes.Status401Unauthorized, "missing_token", "device token required (X-DEVICE-TOKEN)");
            }

            if (!result.Succeeded)
            {
                if (result.Failure?.Message == DeviceTokenAuthenticationHandler.RevokedFailure
                    && DeviceTokenAuthenticationHandler.Current(http) is { } revoked)
                {
                    await http.RequestServices.GetRequiredService<RevokedTraffic>().RecordAsync(revoked, http, http.RequestAborted);
                    return Envelope.Error(StatusCodes.Status403Forbidden, "revoked_token", "device token revoked");
                }

                return Envelope.Error(StatusCodes.Status403Forbidden, "invalid_token", "invalid device token");
            }

            var device = DeviceTokenAuthenticationHandler.Current(http)!;
            if (bucket is not null)
            {
                var decision = await http.RequestServices.GetRequiredService<IRateLimitGate>().AcquireAsync(bucket, device.PublicId, http.RequestAborted);
                if (!decision.Allowed)
                {
                    return RateLimited(http, bucket, decision);
                }
            }

            return await InvokeAsync(context, next);
        });

    /// <summary>Runs the handler, turning <see cref="DomainException"/> into the enveloped error.</summary>
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (DomainException ex)
        {
            return Envelope.Error(ex);
        }
        catch (ApiException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Envelope.Error(ex.StatusCode, "payload_too_large", "request body is too large");
        }
        catch (ApiException ex)
        {
            // The shared body reader refused the body (malformed JSON, not an object, text that cannot be stored).
            return Envelope.Error(DomainException.Invalid(ex.Error));
        }
    }

    /// <summary>Handlers of public tracker endpoints (pair) get the same error translation.</summary>
    public static RouteHandlerBuilder WithTrackerErrors(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new ApiErrorSchemaAttribute(ApiErrorSchemas.TrackerEnvelope)).AddEndpointFilter(InvokeAsync);

    public static IResult RateLimited(HttpContext http, string bucket, RateLimitDecision decision, string? code = null)
    {
        http.Response.Headers.RetryAfter = decision.ResetInSeconds.ToString(CultureInfo.InvariantCulture);
        var (reason, error, window) = bucket switch
        {
            TrackerBuckets.Points => ("too_many_points", "Too many point uploads", 60),
            TrackerBuckets.Health => ("too_many_health", "Too many health updates", 60),
            TrackerBuckets.Sos => ("too_many_sos", "Too many SOS events", 300),
            _ => ("too_many_pair_attempts", "Too many pairing attempts", 60),
        };
        return Envelope.Error(StatusCodes.Status429TooManyRequests, code ?? "rate_limited", error, new
        {
            reason,
            bucket,
            limit = decision.Limit,
            max = decision.Limit,
            window_sec = window,
            window_seconds = window,
            remaining = decision.Remaining,
            reset_in = decision.ResetInSeconds,
        });
    }

    public static DeviceIdentity Device(this HttpContext context) =>
        DeviceTokenAuthenticationHandler.Current(context) ?? throw new InvalidOperationException("Not a device endpoint.");
}

/// <summary>Rate-limit buckets of tracker spec §5 (declared in the platform's bucket catalog).</summary>
internal static class TrackerBuckets
{
    public const string Points = "tracker_points";
    public const string Health = "tracker_health";
    public const string Sos = "tracker_sos";
    public const string PairIp = "tracker_pair_ip";
    public const string PairCode = "tracker_pair_code";
}

/// <summary>
/// A revoked device's request raises (or refreshes) the crit <c>revoked_device_traffic</c> alert with <c>{path, ip}</c>.
/// The alert is re-announced at most once a minute per device, so a phone retrying in a loop does not flood the UI.
/// </summary>
internal sealed class RevokedTraffic(NpgsqlDataSource dataSource, TimeProvider clock, IEventBus events)
{
    public async Task RecordAsync(DeviceIdentity device, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var payload = Json.Serialize(new { path = http.Request.Path.Value, ip = http.Connection.RemoteIpAddress?.ToString() });
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO tracker.tracker_alerts AS a (device_id, user_id, kind, severity, message, payload, created_at, updated_at, is_active, reopen_blocked)
            VALUES ($1, $2, '{AlertKinds.RevokedDeviceTraffic}', 'crit', 'Revoked device tried to send data', $3::jsonb, $4, $4, true, false)
            ON CONFLICT (device_id, user_id, kind) WHERE is_active
            DO UPDATE SET payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at
                WHERE a.updated_at <= EXCLUDED.updated_at - interval '60 seconds'
            RETURNING {AlertRows.Columns}
            """);
        command.Parameters.AddWithValue(device.PublicId);
        command.Parameters.AddWithValue(device.UserId);
        command.Parameters.AddWithValue(payload);
        command.Parameters.AddWithValue(now);
        TrackerAlert? alert = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                alert = AlertRows.Read(reader);
            }
        }

        if (alert is not null)
        {
            await events.PublishAsync(new TrackerEvent(TrackerEvent.Alert, AlertView.From(alert)), cancellationToken);
        }
    }
}
