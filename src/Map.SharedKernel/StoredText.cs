using System.Globalization;
using System.Text;

namespace Map.SharedKernel;

/// <summary>
/// The one place that decides whether text can be stored and how it is shortened. PostgreSQL refuses NUL
/// (22021) and strict UTF-8 encoding refuses lone surrogates, so such text is refused at the edge
/// (<see cref="RequestBody"/>, the query guard); text that is cut is cut between text elements, never inside an
/// emoji, a flag or a letter with its combining marks.
/// </summary>
public static class StoredText
{
    /// <summary>True when the text holds no NUL and no lone surrogate (it round-trips through strict UTF-8).</summary>
    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// At most <paramref name="maxLength"/> UTF-16 units (what .NET and the column checks count; a PostgreSQL
    /// <c>varchar(n)</c> counts code points, which are never more), cut at the last whole text element that fits.
    /// </summary>
    public static string Clip(string value, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (value.Length <= maxLength)
        {
            return value;
        }

        var end = 0;
        var enumerator = StringInfo.GetTextElementEnumerator(value);
        while (enumerator.MoveNext())
        {
            var next = enumerator.ElementIndex + ((string)enumerator.Current).Length;
            if (next > maxLength)
            {
                break;
            }

            end = next;
        }

        // A single text element longer than the limit (a long chain of combining marks): fall back to whole runes.
        if (end == 0 && maxLength > 0)
        {
            var builder = new StringBuilder(maxLength);
            foreach (var rune in value.EnumerateRunes())
            {
                if (builder.Length + rune.Utf16SequenceLength > maxLength)
                {
                    break;
                }

                builder.Append(rune.ToString());
            }

            return builder.ToString();
        }

        return value[..end];
    }

    /// <summary><see cref="Clip(string, int)"/> with a marker (e.g. <c>…</c>) appended when the text was cut, still within the limit.</summary>
    public static string Clip(string value, int maxLength, string marker)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        return Clip(value, Math.Max(0, maxLength - marker.Length)) + marker;
    }
}
