using System.Net.Http.Json;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace Map.Modules.Admin.Tests;

/// <summary>
/// Snapshots of the wire shapes clients depend on: admin JSON, an audit row, <c>/me</c>, the verify answer.
/// Each test runs on a fresh database with a fixed clock, so ids and timestamps are stable too.
/// </summary>
public sealed class WireShapeTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(2099, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234560);

    private readonly MapTestContext map = new();
    private MapInstance app = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        app = map.StartInstance(new MapHostOptions { Clock = new FakeTimeProvider(Start), Settings = AdminTestContext.GenerousLogins });
    }

    public Task DisposeAsync() => map.DisposeAsync();

    private static async Task<JToken> BodyAsync(HttpResponseMessage response) => JToken.Parse(await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task Admin_user_json()
    {
        var root = await app.LoginAsync();

        var created = await root.Http.PostAsJsonAsync("/api/admin/users", new { username = "shape.user", password = "a-good-password", role = "viewer", zones = new[] { 12, 3 } });

        Snapshot.Match(await BodyAsync(created));
    }

    [Fact]
    public async Task Audit_row()
    {
        var root = await app.LoginAsync();
        var created = await root.Http.PostAsJsonAsync("/api/admin/users", new { username = "shape.audited", password = "a-good-password", zones = new[] { 7 } });
        var id = (await BodyAsync(created))["id"]!.Value<int>();
        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "superadmin", is_active = false, password = "another-good-one" });

        var rows = await BodyAsync(await root.Http.GetAsync("/api/audit?action=user.update"));

        Snapshot.Match(rows);
    }

    [Fact]
    public async Task Me_signed_in_and_anonymous()
    {
        var root = await app.LoginAsync();

        var shapes = new JObject
        {
            ["signed_in"] = await BodyAsync(await root.Http.GetAsync("/me")),
            ["anonymous"] = await BodyAsync(await app.CreateBrowser().GetAsync("/me")),
        };

        Snapshot.Match(shapes);
    }

    [Fact]
    public async Task Verify_answer()
    {
        var root = await app.LoginAsync();

        var ok = await BodyAsync(await root.Http.GetAsync("/api/audit/verify"));
        await map.ExecuteAsync("UPDATE admin.admin_audit_log SET actor = 'forged' WHERE action = 'auth.login'");
        var broken = await BodyAsync(await root.Http.GetAsync("/api/audit/verify"));

        Snapshot.Match(new JObject { ["ok"] = ok, ["broken"] = broken });
    }
}
