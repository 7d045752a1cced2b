using System.Text.RegularExpressions;

namespace Map.Operations.Tests;

/// <summary>
/// The Dockerfile cannot be built here (no Docker engine); these checks keep it consistent with what is tested:
/// the ports nginx and the health check use, the sub-commands the app has, and the files the build copies.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = Repository.Read("Dockerfile");

    private static string RuntimeStage => Dockerfile[Dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

    [Fact]
    public void It_builds_with_the_sdk_and_runs_on_the_aspnet_runtime_as_a_non_root_user()
    {
        var stages = FromLine().Matches(Dockerfile).Select(m => m.Groups[1].Value).ToArray();

        Assert.All(stages[..^1], image => Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", image));
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", stages[^1]);
        Assert.Contains("\nUSER $APP_UID\n", RuntimeStage, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/Map.Host.dll\"]", RuntimeStage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_port_is_the_one_the_health_check_and_nginx_use()
    {
        var port = AppPort().Match(RuntimeStage).Groups[1].Value;

        Assert.Equal("8000", port);
        Assert.Contains(
            $"CMD [\"dotnet\", \"/app/Map.Host.dll\", \"{Host.Platform.Startup.HealthcheckCommand.Name}\", \"http://127.0.0.1:{port}/health\"]",
            RuntimeStage,
            StringComparison.Ordinal);
        Assert.Contains($"set $map_web web:{port};", Repository.Read("deploy/nginx.conf"), StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_build_copies_exists_and_is_not_excluded_from_the_context()
    {
        var ignored = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        var copied = CopyLine().Matches(Dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToArray();

        Assert.Contains("src/", copied);
        Assert.All(copied, source => Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)), source));
        Assert.All(copied, source => Assert.DoesNotContain(source, ignored));
        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", ".env", ".git/" }, ignored);
    }

    [GeneratedRegex(@"^FROM (\S+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(\d+)")]
    private static partial Regex AppPort();

    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
