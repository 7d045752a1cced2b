namespace Map.SharedKernel;

/// <summary>
/// Where Map keeps files (photos, the offline geocoder file): <c>MAP_DATA_DIR</c>, never the source tree or the content
/// root by default. Unset, it is <c>/var/lib/map</c> when that directory exists and this process can write to it
/// (created by the operator), else <c>$XDG_DATA_HOME/map</c>, else <c>~/.local/share/map</c>. Module settings such as
/// <c>UPLOAD_DIR</c> default to folders in it and, when relative, are resolved against it.
/// See docs/decisions/0035-data-directory.md.
/// </summary>
public static class DataDirectory
{
    public const string Variable = "MAP_DATA_DIR";

    public const string SystemDefault = "/var/lib/map";

    public static string Resolve(IConfiguration config)
    {
        if (EnvironmentSettings.Optional(config, Variable) is { } configured)
        {
            return Path.IsPathFullyQualified(configured)
                ? Path.GetFullPath(configured)
                : throw new ConfigurationException($"{Variable} must be an absolute path (got '{configured}').");
        }

        if (IsWritableDirectory(SystemDefault))
        {
            return SystemDefault;
        }

        var xdg = config["XDG_DATA_HOME"] ?? Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg.Trim(), "map");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile); // $HOME
        return !string.IsNullOrWhiteSpace(home) && Path.IsPathFullyQualified(home)
            ? Path.Combine(home, ".local", "share", "map")
            : throw new ConfigurationException($"{Variable} is not set and there is no home directory to default to; set it to an absolute path.");
    }

    /// <summary>A path from <paramref name="name"/> (absolute, or relative to the data directory), else <paramref name="fallback"/> in it.</summary>
    public static string PathOf(IConfiguration config, string dataDirectory, string name, string fallback) =>
        Path.GetFullPath(EnvironmentSettings.Optional(config, name) ?? fallback, dataDirectory);

    private static bool IsWritableDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            return false;
        }

        var probe = Path.Combine(path, $".map-write-probe-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
