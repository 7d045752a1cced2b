using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Map.Host.Tests;

/// <summary>
/// Row 15 of the hostile-input issue: a statement that fails inside a transaction must not leave the pooled
/// connection broken for the next, innocent request. The cause was Npgsql's auto-prepare (npgsql#6391: after a
/// rollback, a statement prepared in the failed transaction is still believed to exist, and the next use of it reads
/// "unexpected backend message"). With one pooled connection, every step here runs on the same server session.
/// The corpus test (<see cref="HostileInputCorpusTests"/>) checks the same thing after thousands of hostile requests.
/// </summary>
public sealed class PooledConnectionTests : IAsyncLifetime
{
    private readonly MapTestContext map = new();
    private MapInstance app = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["DB_POOL_SIZE"] = "1" } });
        await map.ExecuteAsync("CREATE TABLE public.pool_probe (id serial PRIMARY KEY, value varchar(5) NOT NULL)");
    }

    public Task DisposeAsync() => map.DisposeAsync();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_statement_failing_in_a_rolled_back_transaction_leaves_the_pooled_connection_usable(int earlierRuns)
    {
        var pool = app.Services.GetRequiredService<NpgsqlDataSource>();
        // A statement text of its own per case, so each case starts with a fresh usage count.
        var sql = $"INSERT INTO public.pool_probe (value) VALUES ($1) RETURNING id /* case {earlierRuns} */";
        for (var i = 0; i < earlierRuns; i++)
        {
            await InsertAsync(pool, sql, "ok");
        }

        await using (var connection = await pool.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var failing = new NpgsqlCommand(sql, connection, transaction);
            failing.Parameters.AddWithValue("too long for the column");
            var error = await Assert.ThrowsAsync<PostgresException>(() => failing.ExecuteScalarAsync());
            Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, error.SqlState);
            await transaction.RollbackAsync();
        }

        for (var i = 0; i < 3; i++)
        {
            await InsertAsync(pool, sql, "fine");
        }

        var client = (await app.LoginAsync()).Http;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/addresses")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/audit?limit=5")).StatusCode);
        }

        Assert.Equal(earlierRuns + 3, await map.ScalarAsync<long>("SELECT count(*) FROM public.pool_probe"));
    }

    [Fact]
    public async Task An_explicitly_prepared_statement_that_fails_stays_prepared_and_usable_and_is_refused_inside_a_transaction()
    {
        var pool = app.Services.GetRequiredService<NpgsqlDataSource>();
        const string Sql = "INSERT INTO public.pool_probe (value) VALUES ($1) RETURNING id /* prepared */";
        foreach (var value in new[] { "ok", "too long for the column", "fine", "too long again", "fine" })
        {
            await using var connection = await pool.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
            if (value.Length > 5)
            {
                var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecutePreparedReaderAsync(CancellationToken.None));
                Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, error.SqlState);
            }
            else
            {
                await using var reader = await command.ExecutePreparedReaderAsync(CancellationToken.None);
                Assert.True(await reader.ReadAsync());
            }
        }

        await using (var connection = await pool.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var inTransaction = new NpgsqlCommand(Sql, connection, transaction);
            inTransaction.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "no" });
            await Assert.ThrowsAsync<InvalidOperationException>(() => inTransaction.ExecutePreparedReaderAsync(CancellationToken.None));
        }

        var client = (await app.LoginAsync()).Http;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/audit?limit=5")).StatusCode);
        Assert.Equal(3, await map.ScalarAsync<long>("SELECT count(*) FROM public.pool_probe WHERE value IN ('ok', 'fine')"));
        await using var same = await pool.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%/* prepared */%'", same);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_outbox_and_retention_release_their_session_locks_before_the_connection_goes_back_to_the_pool()
    {
        // Returned connections are not reset (decision 0039): with one pooled connection, a session lock left behind would
        // still be held by the server session the next request gets.
        await app.DispatchOutboxAsync("pool-probe");
        var root = await app.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await root.Http.PostAsJsonAsync("/api/admin/retention/run", new { })).StatusCode);

        var pool = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await pool.OpenConnectionAsync();
        await using var locks = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()", connection);
        Assert.Equal(0L, await locks.ExecuteScalarAsync());
    }

    private static async Task InsertAsync(NpgsqlDataSource pool, string sql, string value)
    {
        await using var command = pool.CreateCommand(sql);
        command.Parameters.AddWithValue(value);
        Assert.NotNull(await command.ExecuteScalarAsync());
    }
}
