using System.Text.RegularExpressions;

namespace Map.Operations.Tests;

/// <summary>Which environment variables the committed files read and document.</summary>
internal static partial class Variables
{
    /// <summary>Variables the PostgreSQL client tools read (the backup scripts run them outside the container with these).</summary>
    public static readonly string[] Libpq = ["PGHOST", "PGPORT", "PGPASSWORD", "PGUSER", "PGDATABASE", "PGOPTIONS"];

    /// <summary>Variables ASP.NET Core itself reads (the image sets the port).</summary>
    public static readonly string[] AspNetCore = ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS"];

    /// <summary>Names with a <c>NAME=</c> line in .env.example.</summary>
    public static HashSet<string> AssignedInEnvExample() =>
        [.. Assignment().Matches(Repository.Read(".env.example")).Select(m => m.Groups[1].Value)];

    /// <summary>Names that appear anywhere in .env.example (as a setting or in the comment that explains a fallback).</summary>
    public static HashSet<string> MentionedInEnvExample() =>
        [.. Name().Matches(Repository.Read(".env.example")).Select(m => m.Value)];

    /// <summary><c>${NAME…}</c> interpolations in docker-compose.prod.yml (<c>$$</c> escapes excluded).</summary>
    public static HashSet<string> InterpolatedByCompose() =>
        [.. Interpolation().Matches(Repository.Read("docker-compose.prod.yml")).Select(m => m.Groups[1].Value)];

    /// <summary>Variables docker-compose.prod.yml sets for the containers (<c>NAME: value</c> lines).</summary>
    public static HashSet<string> SetByCompose() =>
        [.. ComposeKey().Matches(Repository.Read("docker-compose.prod.yml")).Select(m => m.Groups[1].Value)];

    /// <summary>Variables the tools under tools/ read.</summary>
    public static HashSet<string> ReadByTools() =>
        [.. Directory.Exists(Repository.PathOf("tools"))
            ? Directory.GetFiles(Repository.PathOf("tools"), "*.cs", SearchOption.AllDirectories)
                .SelectMany(file => ConfigGetter().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            : []];

    /// <summary><c>$NAME</c> / <c>${NAME}</c> references in the deploy scripts.</summary>
    public static HashSet<string> ReadByDeployScripts() =>
        [.. Directory.GetFiles(Repository.PathOf("deploy"), "*.sh")
            .SelectMany(file => ShellReference().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))];

    /// <summary>
    /// Environment variables the app's code reads: <c>config["X"]</c>, helpers called as <c>(config, "X", …)</c>,
    /// <c>GetValue&lt;T&gt;("X")</c>, <c>GetEnvironmentVariable("X")</c>, every <c>"RATE_LIMIT_…"</c> literal, and the
    /// variables (limit and window) of every rate-limit bucket the modules declare (a module may name its own, such as
    /// <c>CHAT2_SEND_RATE_LIMIT</c> / <c>CHAT2_SEND_RATE_WINDOW_SEC</c>).
    /// </summary>
    public static HashSet<string> ReadByApp()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.GetFiles(Repository.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var code = File.ReadAllText(file);
            foreach (var pattern in new[] { ConfigIndexer(), ConfigHelper(), ConfigGetter(), RateLimitLiteral() })
            {
                names.UnionWith(pattern.Matches(code).Select(m => m.Groups[1].Value));
            }
        }

        names.UnionWith(Host.Platform.RateLimiting.RateLimitBucketCatalog.All.Select(bucket => bucket.EnvironmentVariable));
        names.UnionWith(Host.Platform.RateLimiting.RateLimitBucketCatalog.All.Select(bucket => bucket.WindowEnvironmentVariable).OfType<string>());
        return names;
    }

    /// <summary>UPPER_SNAKE names (at least one underscore) in a text.</summary>
    public static HashSet<string> NamedIn(string text) => [.. Name().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"^\s+([A-Z][A-Z0-9_]*):\s", RegexOptions.Multiline)]
    private static partial Regex ComposeKey();

    [GeneratedRegex(@"^([A-Z][A-Z0-9_]*)=", RegexOptions.Multiline)]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")]
    private static partial Regex Name();

    [GeneratedRegex(@"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"(?<!\$)\$\{?([A-Z_][A-Z0-9_]*)")]
    private static partial Regex ShellReference();

    [GeneratedRegex(@"(?i:config(?:uration)?)\s*\[\s*""([A-Z][A-Z0-9_]*)""\s*\]")]
    private static partial Regex ConfigIndexer();

    [GeneratedRegex(@"\(\s*(?i:\w*config(?:uration)?)\s*,\s*""([A-Z][A-Z0-9_]*)""")]
    private static partial Regex ConfigHelper();

    [GeneratedRegex(@"(?:GetValue<[^>]+>|GetSection|GetEnvironmentVariable)\(\s*""([A-Z][A-Z0-9_]*)""")]
    private static partial Regex ConfigGetter();

    [GeneratedRegex(@"""(RATE_LIMIT_[A-Z0-9_]+)""")]
    private static partial Regex RateLimitLiteral();
}
