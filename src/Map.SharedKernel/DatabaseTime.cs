namespace Map.SharedKernel;

/// <summary>
/// The one place timestamps meet PostgreSQL's precision (microseconds): a value taken here and returned on the wire
/// equals what a later read of the stored row gives back. Call it as <c>clock.Now()</c> or <c>DatabaseTime.Now(clock)</c>.
/// </summary>
public static class DatabaseTime
{
    /// <summary>Now (UTC), truncated to microseconds.</summary>
    public static DateTime Now(this TimeProvider clock) => Truncate(clock.GetUtcNow().UtcDateTime);

    /// <summary>A UTC time truncated to microseconds.</summary>
    public static DateTime Truncate(DateTime value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);
}
