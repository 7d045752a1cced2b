namespace Map.Modules.Markers.Infrastructure;

/// <summary>Spreadsheet formula injection guard for CSV text cells.</summary>
internal static class CsvText
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r'];

    public static string? Defuse(string? text) => text is { Length: > 0 } && FormulaStarts.Contains(text[0]) ? "'" + text : text;

    public static string? Restore(string? text) => text is { Length: > 1 } && text[0] == '\'' && FormulaStarts.Contains(text[1]) ? text[1..] : text;
}
