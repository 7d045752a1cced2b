using System.Text.RegularExpressions;
using Npgsql;

namespace Map.Operations.Tests;

/// <summary>
/// deploy/RUNBOOK.md says only what is true: its sections are the predecessor's plus Hangfire, every rate limit is
/// listed with its default, every variable it names is one something reads, and its commands name services, files
/// and sub-commands that exist.
/// </summary>
public sealed partial class RunbookTests
{
    private static readonly string Runbook = Repository.Read("deploy/RUNBOOK.md");

    private static readonly string[] Lines = Runbook.Split('\n');

    [Theory]
    [InlineData("Контейнеры")]
    [InlineData("Быстрый старт")]
    [InlineData("/health и /ready")]
    [InlineData("Метрики и их защита")]
    [InlineData("Rate limits")]
    [InlineData("Типовые инциденты")]
    [InlineData("502")]
    [InlineData("504")]
    [InlineData("\"db\":\"error\"")]
    [InlineData("\"redis\":\"error\"")]
    [InlineData("Бот не отправляет / не получает")]
    [InlineData("Бэкапы и восстановление")]
    [InlineData("Аудит")]
    [InlineData("perf sanity")]
    [InlineData("Пагинация")]
    [InlineData("Hangfire")]
    [InlineData("Prometheus, алерты и Grafana")]
    public void It_has_the_section(string title)
    {
        Assert.Contains(Lines, line => line.StartsWith('#') && line.Contains(title, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_rate_limit_is_listed_with_its_default()
    {
        Assert.All(Host.Platform.RateLimiting.RateLimitBucketCatalog.All, bucket =>
            Assert.Contains(Lines, line => line.StartsWith($"| `{bucket.EnvironmentVariable}` | {bucket.DefaultLimit} |", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_variable_it_names_is_read_by_the_app_the_compose_file_the_scripts_or_the_tools()
    {
        var known = Variables.ReadByApp()
            .Union(Variables.ReadByTools())
            .Union(Variables.InterpolatedByCompose())
            .Union(Variables.SetByCompose())
            .Union(Variables.ReadByDeployScripts())
            .Union(Variables.Libpq)
            .Union(Variables.AspNetCore)
            .ToHashSet();

        var unknown = VariableMention().Matches(Runbook)
            .Where(m => m.Groups[2].Success
                ? !known.Any(name => name.StartsWith(m.Groups[1].Value + "_", StringComparison.Ordinal))
                : !known.Contains(m.Groups[1].Value))
            .Select(m => m.Value)
            .Distinct()
            .Order(StringComparer.Ordinal);

        Assert.Empty(unknown);
        Assert.Contains("RATE_LIMIT_LOGIN_PER_MINUTE", Runbook, StringComparison.Ordinal);
    }

    [Fact]
    public void Its_compose_commands_use_the_production_file_and_name_its_services()
    {
        var services = ComposeService().Matches(Repository.Read("docker-compose.prod.yml")).Select(m => m.Groups[1].Value).ToHashSet();
        var commands = ComposeCommand().Matches(Runbook).ToList();

        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal("docker-compose.prod.yml", c.Groups[1].Value));
        Assert.Equal(Regex.Count(Runbook, "docker compose "), Regex.Count(Runbook, @"docker compose -f docker-compose\.prod\.yml "));
        foreach (var command in commands)
        {
            var named = NamedServices(command.Groups[2].Value, command.Groups[3].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.All(named, service => Assert.True(services.Contains(service), $"'{service}' in: {command.Value}"));
        }
    }

    [Fact]
    public void The_files_and_sub_commands_it_uses_exist()
    {
        foreach (Match script in ContainerScript().Matches(Runbook))
        {
            var file = new FileInfo(Repository.PathOf($"deploy/{script.Groups[1].Value}"));
            Assert.True(file.Exists, script.Value);
            Assert.True((file.UnixFileMode & UnixFileMode.UserExecute) != 0, $"{script.Value} must be executable");
        }

        foreach (Match path in RepositoryPath().Matches(Runbook))
        {
            Assert.True(File.Exists(Repository.PathOf(path.Value)) || Directory.Exists(Repository.PathOf(path.Value)), path.Value);
        }

        Assert.All(
            HostSubCommand().Matches(Runbook).Select(m => m.Groups[1].Value),
            name => Assert.Equal(Host.Platform.Startup.HealthcheckCommand.Name, name));
        Assert.Contains("dotnet run --project tools/Map.Perf -c Release -- --spawn --runs 200 --concurrency 20", Runbook, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Its_sql_runs_on_a_migrated_database()
    {
        var environment = await TestEnvironment.GetAsync();
        var database = await environment.CreateDatabaseAsync();
        var queries = PsqlQuery().Matches(Runbook).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(queries);
        await using var connection = new NpgsqlConnection(environment.ConnectionString(database));
        await connection.OpenAsync();
        foreach (var sql in queries)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
        }
    }

    [Fact]
    public void The_readme_links_to_it_from_a_deployment_section()
    {
        var readme = Repository.Read("README.md");

        Assert.Contains("\n## Deployment\n", readme, StringComparison.Ordinal);
        Assert.Contains("(deploy/RUNBOOK.md)", readme, StringComparison.Ordinal);
    }

    /// <summary>The services a compose sub-command acts on, skipping its options (and the values some of them take).</summary>
    private static IEnumerable<string> NamedServices(string subCommand, string[] words)
    {
        string[] optionsWithValue = ["-u", "-v", "-e", "-w", "--entrypoint", "--user", "--volume", "--env", "--workdir"];
        var operands = new List<string>();
        for (var i = 0; i < words.Length; i++)
        {
            if (words[i] is "|" or "&&" or ">>" or ">")
            {
                break;
            }

            if (words[i].StartsWith('-'))
            {
                i += optionsWithValue.Contains(words[i]) ? 1 : 0;
                continue;
            }

            operands.Add(words[i]);
        }

        return subCommand switch
        {
            "exec" or "run" => operands.Take(1),
            "stop" or "start" or "restart" or "logs" or "ps" => operands,
            _ => [],
        };
    }

    [GeneratedRegex(@"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(_\*)?")]
    private static partial Regex VariableMention();

    [GeneratedRegex(@"^  ([a-z][a-z0-9_-]*):\s*$", RegexOptions.Multiline)]
    private static partial Regex ComposeService();

    [GeneratedRegex(@"docker compose -f (\S+) (\w+)([^\n`]*)")]
    private static partial Regex ComposeCommand();

    [GeneratedRegex(@"(?<![\w.])/scripts/([\w.-]+)")]
    private static partial Regex ContainerScript();

    [GeneratedRegex(@"(?<![\w/])(?:deploy|tools|scripts)/[\w.-]*\w")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"psql -U ""\$POSTGRES_USER"" -d ""\$POSTGRES_DB"" -c ""([^""]+)""")]
    private static partial Regex PsqlQuery();

    [GeneratedRegex(@"Map\.Host\.dll (\w+)")]
    private static partial Regex HostSubCommand();
}
