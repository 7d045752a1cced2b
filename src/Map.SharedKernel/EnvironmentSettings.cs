using System.Globalization;

namespace Map.SharedKernel;

/// <summary>
/// A bad or missing setting. Start-up stops with its message on one line (exit code 2); the message names the
/// environment variable and says what is expected.
/// </summary>
public sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// Reading environment variables (through <see cref="IConfiguration"/>) the same way in the platform and every
/// module: blank counts as unset, values are trimmed, and a bad value throws <see cref="ConfigurationException"/>.
/// </summary>
public static class EnvironmentSettings
{
    public static string? Optional(IConfiguration config, string name) =>
        config[name] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public static string Required(IConfiguration config, string name) =>
        Optional(config, name) ?? throw new ConfigurationException($"{name} is required but not set.");

    /// <summary><c>1/true/yes/on</c> or <c>0/false/no/off</c>.</summary>
    public static bool Bool(IConfiguration config, string name, bool fallback) =>
        (Optional(config, name)?.ToLowerInvariant()) switch
        {
            null => fallback,
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            var other => throw new ConfigurationException($"{name} must be 0 or 1 (got '{other}')."),
        };

    public static int Int(IConfiguration config, string name, int fallback, int min, int max)
    {
        var raw = Optional(config, name);
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ConfigurationException($"{name} must be an integer between {min} and {max} (got '{raw}').");
    }

    /// <summary>An absolute URL with one of <paramref name="schemes"/>; null when unset.</summary>
    public static Uri? Url(IConfiguration config, string name, string example, params string[] schemes)
    {
        var raw = Optional(config, name);
        if (raw is null)
        {
            return null;
        }

        return Uri.TryCreate(raw, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
            ? uri
            : throw new ConfigurationException($"{name} must be a {string.Join(" or ", schemes)} URL such as {example} (got '{raw}').");
    }
}
