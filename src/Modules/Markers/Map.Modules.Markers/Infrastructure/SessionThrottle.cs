using System.Collections.Concurrent;
using System.Security.Claims;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// "At most one call per interval per admin session" for the heavy offline-file operations (per process: the file
/// itself is per instance too).
/// </summary>
internal sealed class SessionThrottle(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastCalls = new();

    /// <summary>Null when the call may go ahead (and is recorded), else the seconds to wait.</summary>
    public int? TryEnter(string action, ClaimsPrincipal user, TimeSpan interval)
    {
        var now = clock.GetUtcNow();
        var key = $"{action}|{user.FindFirstValue(MapClaims.SessionId) ?? user.AdminUsername()}";
        foreach (var (staleKey, at) in lastCalls)
        {
            if (now - at > TimeSpan.FromMinutes(10))
            {
                lastCalls.TryRemove(staleKey, out _);
            }
        }

        int? wait = null;
        lastCalls.AddOrUpdate(
            key,
            now,
            (_, previous) =>
            {
                var left = previous + interval - now;
                if (left > TimeSpan.Zero)
                {
                    wait = (int)Math.Ceiling(left.TotalSeconds);
                    return previous;
                }

                wait = null;
                return now;
            });
        return wait;
    }
}
