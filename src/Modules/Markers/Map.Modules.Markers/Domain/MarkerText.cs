namespace Map.Modules.Markers.Domain;

/// <summary>Column sizes of text fields and the normalisation used for duplicate names.</summary>
internal static class MarkerText
{
    public const int NameMax = 255;
    public const int NotesMax = 10_000;
    public const int StatusMax = 64;
    public const int LinkMax = 512;
    public const int CategoryMax = 128;
    public const int PhotoMax = 1024;
    public const int ReporterMax = 128;
    public const int TelegramIdMax = 64;

    /// <summary>Trimmed and lower-cased (invariant, so Cyrillic folds the same on every database locale).</summary>
    public static string NameKey(string? name) => (name ?? "").Trim().ToLowerInvariant();

    /// <summary>Empty or whitespace-only text is stored as null.</summary>
    public static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
