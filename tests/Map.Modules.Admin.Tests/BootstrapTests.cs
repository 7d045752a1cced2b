using System.Net;
using System.Net.Http.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Admin.Tests;

/// <summary>Start-up creation of the first superadmin. Each test starts from an empty database of its own.</summary>
public sealed class BootstrapTests
{
    private static async Task<T> WithFreshDatabaseAsync<T>(Func<MapTestContext, Task<T>> test)
    {
        var context = new MapTestContext();
        await context.InitializeAsync();
        try
        {
            return await test(context);
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    private static MapHostOptions Env(string username, string? password = null, string? hash = null) => new()
    {
        Settings = new Dictionary<string, string?>
        {
            ["ADMIN_USERNAME"] = username,
            ["ADMIN_PASSWORD"] = password ?? "",
            ["ADMIN_PASSWORD_HASH"] = hash ?? "",
        },
    };

    [Fact]
    public Task Creates_the_env_account_as_an_active_superadmin_when_none_exists() => WithFreshDatabaseAsync(async map =>
    {
        var app = map.StartInstance(Env("chief", password: "chief-password-1"));

        var login = await app.CreateBrowser().PostAsJsonAsync("/login", new { username = "chief", password = "chief-password-1" });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("superadmin", (await login.JsonAsync()).GetProperty("role").GetString());
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users WHERE username = 'chief' AND role = 'superadmin' AND is_active"));
        Assert.Equal("system", await map.ScalarAsync<string>("SELECT actor FROM admin.admin_audit_log WHERE action = 'admin.bootstrap_superadmin'"));
        Assert.DoesNotContain("chief-password-1", await map.ScalarAsync<string>("SELECT password_hash FROM admin.admin_users WHERE username = 'chief'"), StringComparison.Ordinal);
        return 0;
    });

    [Fact]
    public Task Does_nothing_when_an_active_superadmin_exists() => WithFreshDatabaseAsync(async map =>
    {
        await map.CreateAdminAsync("existing", AdminRole.Superadmin);

        map.StartInstance(Env("newcomer", password: "newcomer-password"));
        map.StartInstance(Env("newcomer", password: "newcomer-password"));

        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users WHERE username = 'newcomer'"));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'admin.bootstrap_superadmin'"));
        return 0;
    });

    [Fact]
    public Task Restores_a_deactivated_or_demoted_env_account_when_no_active_superadmin_is_left() => WithFreshDatabaseAsync(async map =>
    {
        var id = await map.CreateAdminAsync("chief", AdminRole.Viewer, active: false);

        var app = map.StartInstance(Env("chief", password: "restored-password"));
        var login = await app.CreateBrowser().PostAsJsonAsync("/login", new { username = "chief", password = "restored-password" });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(await map.ScalarAsync<bool>("SELECT is_active AND role = 'superadmin' FROM admin.admin_users WHERE id = $1", id));
        return 0;
    });

    [Fact]
    public Task Accepts_a_predecessor_hash_in_ADMIN_PASSWORD_HASH_and_upgrades_it_at_first_login() => WithFreshDatabaseAsync(async map =>
    {
        var app = map.StartInstance(Env("chief", hash: PasswordHashTests.Scrypt));

        var login = await app.CreateBrowser().PostAsJsonAsync("/login", new { username = "chief", password = PasswordHashTests.LegacyPassword });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.False((await map.ScalarAsync<string>("SELECT password_hash FROM admin.admin_users WHERE username = 'chief'"))!.StartsWith("scrypt:", StringComparison.Ordinal));
        return 0;
    });

    [Theory]
    [InlineData("short-pw1", null, "ADMIN_PASSWORD")]
    [InlineData("          ", null, "ADMIN_PASSWORD")]
    [InlineData("password123", null, "ADMIN_PASSWORD")]
    [InlineData("chief12345", null, "ADMIN_PASSWORD")]
    [InlineData(null, "not-a-hash", "ADMIN_PASSWORD_HASH")]
    public Task Refuses_to_start_with_a_weak_password_or_an_unreadable_hash(string? password, string? hash, string variable) => WithFreshDatabaseAsync(async map =>
    {
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ADMIN_USERNAME"] = "chief", ["ADMIN_PASSWORD"] = password, ["ADMIN_PASSWORD_HASH"] = hash })
            .Build();

        // Checked while the host is built: the real process prints one line naming the variable and exits 2
        // (tests/Map.Host.Tests/ProcessTests.cs); here the host never starts.
        var error = Assert.Throws<Map.SharedKernel.ConfigurationException>(() => Bootstrap.SuperadminBootstrap.ValidateSettings(settings));
        Assert.StartsWith(variable, error.Message, StringComparison.Ordinal);
        Assert.NotNull(Record.Exception(() => map.StartInstance(Env("chief", password, hash))));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users"));
        return 0;
    });

    [Fact]
    public Task Without_a_password_nobody_is_created_and_no_default_password_exists() => WithFreshDatabaseAsync(async map =>
    {
        var app = map.StartInstance(Env("admin"));

        var legacyDefault = await app.CreateBrowser().PostAsJsonAsync("/login", new { username = "admin", password = "secret" });

        Assert.Equal(HttpStatusCode.Unauthorized, legacyDefault.StatusCode);
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users"));
        return 0;
    });
}
