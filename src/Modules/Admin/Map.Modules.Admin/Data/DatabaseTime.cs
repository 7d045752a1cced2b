namespace Map.Modules.Admin.Data;

internal static class DatabaseTime
{
    /// <summary>Now, at PostgreSQL's microsecond precision, so what is returned equals what a later read gives back.</summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
    }
}
