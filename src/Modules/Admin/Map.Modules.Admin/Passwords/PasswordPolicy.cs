using System.Collections.Frozen;
using System.Globalization;
using Map.Modules.Admin.Domain;

namespace Map.Modules.Admin.Passwords;

/// <summary>
/// What a new or changed admin password must be (NIST SP 800-63B §3.1.1.2): 10-1024 characters taken exactly as typed,
/// at least 10 of them not white space, no control characters, not the username, and not a commonly used password
/// (the embedded <c>common-passwords.txt</c>, compared without regard to case, also after dropping trailing digits
/// and symbols, so "Monkey2024!" counts as "monkey"). No composition rules. Passwords already stored are not
/// re-checked: a weak one still signs in until it is changed. See docs/decisions/0036-password-policy.md.
/// </summary>
internal static class PasswordPolicy
{
    public const string TooFewVisible = "password must have at least 10 characters other than spaces";
    public const string ControlCharacters = "password must not contain control characters";
    public const string SameAsUsername = "password must not be the username";
    public const string TooCommon = "password is too common; choose a longer, less predictable one";

    private static readonly Lazy<FrozenSet<string>> Common = new(LoadCommon);

    /// <summary>Why <paramref name="password"/> may not be set for <paramref name="username"/>, or null when it may.</summary>
    public static string? Problem(string? password, string? username)
    {
        if (password is null || !AdminUser.IsValidPassword(password))
        {
            return AdminUser.PasswordRule;
        }

        if (password.Any(char.IsControl))
        {
            return ControlCharacters;
        }

        if (password.Count(c => !char.IsWhiteSpace(c)) < AdminUser.PasswordMinLength)
        {
            return TooFewVisible;
        }

        var lower = password.Trim().ToLowerInvariant();
        var stem = Stem(lower);
        var name = username?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(name) && (lower == name || stem == name))
        {
            return SameAsUsername;
        }

        if (Common.Value.Contains(lower) || (stem.Length > 0 && Common.Value.Contains(stem)) || lower.Distinct().Count() < 4)
        {
            return TooCommon;
        }

        return null;
    }

    /// <summary>The password without the digits and symbols people append to a word ("summer2024!" → "summer").</summary>
    private static string Stem(string lower)
    {
        var end = lower.Length;
        while (end > 0 && (char.IsDigit(lower[end - 1]) || char.IsPunctuation(lower[end - 1]) || char.IsSymbol(lower[end - 1]) || char.IsWhiteSpace(lower[end - 1])))
        {
            end--;
        }

        return lower[..end];
    }

    private static FrozenSet<string> LoadCommon()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("passwords/common-passwords.txt")
            ?? throw new InvalidOperationException("The embedded list of common passwords is missing.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                words.Add(line.Trim().ToLower(CultureInfo.InvariantCulture));
            }
        }

        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
