using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace Map.Operations.Tests;

/// <summary>deploy/backup_postgres.sh and deploy/restore_postgres.sh against the local PostgreSQL, as ops run them.</summary>
public sealed partial class BackupTests : IAsyncLifetime
{
    private readonly string backupDir = Directory.CreateTempSubdirectory("map-backups-").FullName;
    private TestEnvironment environment = null!;

    public async Task InitializeAsync() => environment = await TestEnvironment.GetAsync();

    public Task DisposeAsync()
    {
        Directory.Delete(backupDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_restore_brings_back_exactly_the_backed_up_state_of_a_migrated_database()
    {
        var database = $"map_t_{environment.RunId}_bk";
        await environment.ExecuteAsync($"CREATE DATABASE \"{database}\"");
        var databaseUrl = environment.DatabaseUrl(database);
        var migrate = await ChildProcess.RunAsync("dotnet", [MapProcess.HostDll, "migrate"], MapProcess.Environment(databaseUrl));
        Assert.True(migrate.ExitCode == 0, migrate.ToString());

        // Data written through the API: sessions and audit rows of logins, a failed login.
        var map = await MapProcess.StartAsync(databaseUrl);
        using var beforeBackup = await SignInAsync(map.BaseAddress);
        using (var stranger = new HttpClient { BaseAddress = map.BaseAddress })
        {
            var failed = await stranger.PostAsJsonAsync("/login", new { username = "nobody", password = "not-a-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var backedUp = await FingerprintAsync(database);
        var backup = await RunScriptAsync("backup_postgres.sh", database);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var dump = Assert.Single(Directory.GetFiles(backupDir));
        Assert.Equal($"OK: {dump}", backup.Output.Trim());
        Assert.Matches(DumpName(), Path.GetFileName(dump));

        using var afterBackup = await SignInAsync(map.BaseAddress);
        var changed = await FingerprintAsync(database);
        Assert.NotEqual(backedUp, changed);

        await map.DisposeAsync(); // the runbook stops web and worker before a restore
        var restore = await RunScriptAsync("restore_postgres.sh", database, dump);

        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal($"OK: restored {dump} into {database}", restore.Output.Trim().Split('\n')[^1]);
        Assert.Equal(backedUp, await FingerprintAsync(database));
        // The replaced database is kept, as it was, until ops drop it.
        var previous = KeptAs().Match(restore.Output).Groups[1].Value;
        Assert.Equal(changed, await FingerprintAsync(previous));

        // The app runs on the restored database: the earlier session is back, the later one never happened.
        await using var restarted = await MapProcess.StartAsync(databaseUrl);
        var token = new Uri(restarted.BaseAddress, "/api/realtime/token"); // cookies go to every port of a host
        Assert.Equal(HttpStatusCode.OK, (await beforeBackup.GetAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await afterBackup.GetAsync(token)).StatusCode);
    }

    [Fact]
    public async Task A_corrupt_dump_or_a_connected_client_fails_loudly_and_leaves_the_database_as_it_was()
    {
        var database = await environment.CreateDatabaseAsync();
        var backup = await RunScriptAsync("backup_postgres.sh", database);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        var dump = Assert.Single(Directory.GetFiles(backupDir));
        var garbage = Path.Combine(backupDir, "garbage.dump");
        await File.WriteAllTextAsync(garbage, "this is not a dump\n");
        // Cut at the end: the table of contents still reads, the last table's data does not.
        var truncated = Path.Combine(backupDir, "truncated.dump");
        var bytes = await File.ReadAllBytesAsync(dump);
        await File.WriteAllBytesAsync(truncated, bytes[..^64]);
        Assert.Equal(0, (await ChildProcess.RunAsync("pg_restore", ["--list", truncated])).ExitCode);
        var before = await FingerprintAsync(database);

        var unreadable = await RunScriptAsync("restore_postgres.sh", database, garbage);
        var broken = await RunScriptAsync("restore_postgres.sh", database, truncated);
        ProcessResult busy;
        await using (var connection = new NpgsqlConnection(environment.ConnectionString(database)))
        {
            await connection.OpenAsync();
            busy = await RunScriptAsync("restore_postgres.sh", database, dump);
        }

        var missing = await RunScriptAsync("restore_postgres.sh", database, Path.Combine(backupDir, "no-such.dump"));
        var usage = await RunScriptAsync("restore_postgres.sh", database);

        Assert.Equal(1, unreadable.ExitCode);
        Assert.Contains("not a readable pg_dump archive", unreadable.Error, StringComparison.Ordinal);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"restoring {truncated} failed; {database} was not changed", broken.Error, StringComparison.Ordinal);
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains($"still connected to {database}", busy.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal(2, usage.ExitCode);
        Assert.StartsWith("usage:", usage.Error, StringComparison.Ordinal);
        Assert.All([unreadable, broken, busy, missing, usage], result => Assert.DoesNotContain("OK:", result.Output, StringComparison.Ordinal));
        Assert.Equal(before, await FingerprintAsync(database));
        Assert.Equal(0L, await CountDatabasesAsync($"{database}\\_%"));
    }

    [Fact]
    public async Task A_backup_keeps_the_newest_dumps_and_a_failed_one_leaves_nothing_behind()
    {
        var database = await environment.CreateDatabaseAsync();
        string[] older = ["pgdump_20200101_000000.dump", "pgdump_20200102_000000.dump", "pgdump_20200103_000000.dump"];
        foreach (var name in older.Append("notes.txt"))
        {
            await File.WriteAllTextAsync(Path.Combine(backupDir, name), "kept by someone");
        }

        var kept = await RunScriptAsync("backup_postgres.sh", database, keep: "2");
        var afterRotation = Directory.GetFiles(backupDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var failed = await RunScriptAsync("backup_postgres.sh", database + "_missing", keep: "2");
        var badKeep = await RunScriptAsync("backup_postgres.sh", database, keep: "none");

        Assert.True(kept.ExitCode == 0, kept.ToString());
        var created = Path.GetFileName(kept.Output.Trim()["OK: ".Length..]);
        Assert.Equal(new[] { "notes.txt", "pgdump_20200103_000000.dump", created }.Order(StringComparer.Ordinal), afterRotation);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal(2, badKeep.ExitCode);
        Assert.Equal(afterRotation, Directory.GetFiles(backupDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private Task<ProcessResult> RunScriptAsync(string script, string database, string? argument = null, string keep = "14")
    {
        var server = new Uri(environment.ServerUrl);
        var credentials = server.UserInfo.Split(':', 2);
        var variables = new Dictionary<string, string?>
        {
            ["PGHOST"] = server.Host,
            ["PGPORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGPASSWORD"] = Uri.UnescapeDataString(credentials[1]),
            ["PGUSER"] = null,
            ["PGDATABASE"] = null,
            ["PGOPTIONS"] = null,
            ["POSTGRES_USER"] = Uri.UnescapeDataString(credentials[0]),
            ["POSTGRES_DB"] = database,
            ["BACKUP_DIR"] = backupDir,
            ["BACKUP_KEEP"] = keep,
        };
        return ChildProcess.RunAsync(Repository.PathOf($"deploy/{script}"), argument is null ? [] : [argument], variables);
    }

    private async Task<HttpClient> SignInAsync(Uri baseAddress)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = baseAddress };
        var response = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private async Task<long> CountDatabasesAsync(string likePattern)
    {
        await using var connection = new NpgsqlConnection(environment.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE $1", connection);
        command.Parameters.AddWithValue(likePattern);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every table's row count and content hash, and every sequence's position: equal means the same data.</summary>
    private async Task<string> FingerprintAsync(string database)
    {
        await using var connection = new NpgsqlConnection(environment.ConnectionString(database));
        await connection.OpenAsync();
        var tables = new List<(string Schema, string Name)>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' " +
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
            connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var lines = new List<string>();
        foreach (var (schema, name) in tables)
        {
            await using var hash = new NpgsqlCommand(
                $"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{schema}\".\"{name}\" t",
                connection);
            lines.Add($"{schema}.{name}: {await hash.ExecuteScalarAsync()}");
        }

        await using (var sequences = new NpgsqlCommand("SELECT schemaname || '.' || sequencename || ': ' || coalesce(last_value::text, '-') FROM pg_sequences ORDER BY 1", connection))
        await using (var reader = await sequences.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        Assert.Contains(lines, line => line.StartsWith("admin.admin_users: ", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^pgdump_\d{8}_\d{6}\.dump$")]
    private static partial Regex DumpName();

    [GeneratedRegex(@"kept as (\S+)")]
    private static partial Regex KeptAs();
}
