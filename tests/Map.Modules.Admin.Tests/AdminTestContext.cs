using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Map.Modules.Admin.Tests;

/// <summary>
/// A class database plus one web instance whose login limit is out of the way (these tests sign in far more than
/// ten times a minute from one address; the limit itself is tested on an instance of its own).
/// </summary>
public class AdminTestContext : MapTestContext
{
    public const string Password = "password-1234";

    private MapInstance? api;

    /// <summary>Also out of the way: the per-account lock (LoginLockoutTests has its own instances).</summary>
    public static IReadOnlyDictionary<string, string?> GenerousLogins { get; } =
        new Dictionary<string, string?> { ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100000", ["LOGIN_ACCOUNT_MAX_FAILURES"] = "1000" };

    public MapInstance Api => api ?? throw new InvalidOperationException("Call InitializeAsync first.");

    /// <summary>Starts <see cref="Api"/> before any test arranges accounts, so the root superadmin is bootstrapped.</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        api = StartInstance(new MapHostOptions { Settings = GenerousLogins });
    }

    /// <summary>A new account (unique name from <paramref name="prefix"/>) signed in on <see cref="Api"/>.</summary>
    public async Task<(int Id, AdminClient Client)> SignInNewAsync(string prefix, AdminRole role, params int[] zones)
    {
        var username = Unique(prefix);
        var id = await CreateAdminAsync(username, role, Password, true, zones);
        return (id, await Api.LoginAsync(username, Password));
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    public Task<long> AuditCountAsync(string action) =>
        ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = $1", action);

    public Task<long> SessionCountAsync(int adminId) =>
        ScalarAsync<long>("SELECT count(*) FROM admin.admin_sessions WHERE admin_id = $1", adminId);
}

/// <summary>Raw sign-in, for tests that need the session cookie itself (to copy it into another client).</summary>
public sealed record RawSession(string Cookie, string CsrfToken)
{
    public static async Task<RawSession> LoginAsync(MapInstance app, string username, string password)
    {
        var response = await app.CreateBrowser().PostAsJsonAsync("/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new RawSession(cookie.Split(';')[0], body.GetProperty("csrf_token").GetString()!);
    }

    /// <summary>A client that presents this cookie (and CSRF token), as a second browser holding a copied cookie would.</summary>
    public HttpClient Client(MapInstance app)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", Cookie);
        client.DefaultRequestHeaders.Add("X-CSRF-Token", CsrfToken);
        return client;
    }
}

internal static class HttpAssertions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Asserts the status and the legacy error body <c>{"error": expected}</c>.</summary>
    public static async Task AssertErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(expected, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    /// <summary>Same JSON, whatever the key order (jsonb reorders keys).</summary>
    public static void AssertJsonEqual(string expected, JsonElement actual) =>
        Assert.True(
            System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(expected), System.Text.Json.Nodes.JsonNode.Parse(actual.GetRawText())),
            $"expected {expected}, got {actual.GetRawText()}");

    public static async Task<bool> IsAdminAsync(this HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/me")).GetProperty("is_admin").GetBoolean();
}
