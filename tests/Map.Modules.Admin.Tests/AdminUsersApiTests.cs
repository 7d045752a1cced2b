using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Admin.Tests;

public sealed class AdminUsersApiTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    private async Task<AdminClient> RootAsync() => await map.Api.LoginAsync();

    private Task<long> UserCountAsync() => map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users");

    [Fact]
    public async Task List_answers_on_both_paths_without_redirect_sorted_by_username()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await map.CreateAdminAsync($"zeta-{suffix}", AdminRole.Viewer);
        await map.CreateAdminAsync($"Alpha-{suffix}", AdminRole.Editor, zones: [3, 1]);
        await map.CreateAdminAsync($"mike-{suffix}", AdminRole.Superadmin);
        var root = await RootAsync();

        var plain = await root.Http.GetAsync("/api/admin/users");
        var slash = await root.Http.GetAsync("/api/admin/users/");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, slash.StatusCode);
        var users = (await plain.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(await plain.Content.ReadAsStringAsync(), await slash.Content.ReadAsStringAsync());
        var names = users.Select(u => u.GetProperty("username").GetString()!).ToList();
        Assert.Equal(names.OrderBy(n => n.ToLowerInvariant(), StringComparer.Ordinal), names);
        var alpha = users.Single(u => u.GetProperty("username").GetString() == $"Alpha-{suffix}");
        Assert.Equal("editor", alpha.GetProperty("role").GetString());
        Assert.True(alpha.GetProperty("is_active").GetBoolean());
        Assert.Equal([1, 3], alpha.GetProperty("zones").EnumerateArray().Select(z => z.GetInt32()));
    }

    [Theory]
    [InlineData("/api/admin/users")]
    [InlineData("/api/admin/users/")]
    public async Task Create_answers_201_with_an_active_editor_by_default_who_can_sign_in(string path)
    {
        var root = await RootAsync();
        var username = AdminTestContext.Unique("new");

        var response = await root.Http.PostAsJsonAsync(path, new { username, password = "a-good-password", zones = new[] { 7, 2, 7 } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal(username, body.GetProperty("username").GetString());
        Assert.Equal("editor", body.GetProperty("role").GetString());
        Assert.True(body.GetProperty("is_active").GetBoolean());
        Assert.EndsWith("Z", body.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        Assert.Equal([2, 7], body.GetProperty("zones").EnumerateArray().Select(z => z.GetInt32()));
        var stored = await map.ScalarAsync<string>("SELECT password_hash FROM admin.admin_users WHERE username = $1", username);
        Assert.DoesNotContain("a-good-password", stored, StringComparison.Ordinal);
        var signedIn = await map.Api.LoginAsync(username, "a-good-password");
        Assert.Equal("editor", signedIn.Role);
    }

    [Fact]
    public async Task Create_keeps_unknown_zone_ids_as_given_and_the_role_asked_for()
    {
        var root = await RootAsync();

        var response = await root.Http.PostAsJsonAsync("/api/admin/users", new { username = AdminTestContext.Unique("zoned"), password = "a-good-password", role = "viewer", zones = new[] { 987654 } });
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("viewer", body.GetProperty("role").GetString());
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_zones WHERE admin_id = $1 AND zone_id = 987654", body.GetProperty("id").GetInt32()));
    }

    public static TheoryData<string, string> BadCreateBodies => new()
    {
        { "{}", "username and password required" },
        { """{"username":"someone-new"}""", "username and password required" },
        { """{"password":"a-good-password"}""", "username and password required" },
        { """{"username":"   ","password":"a-good-password"}""", "username and password required" },
        { """{"username":"someone-new","password":""}""", "username and password required" },
        { """{"username":"ab","password":"a-good-password"}""", "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'" },
        { """{"username":"has space","password":"a-good-password"}""", "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'" },
        { """{"username":"<script>","password":"a-good-password"}""", "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'" },
        { """{"username":"иван","password":"a-good-password"}""", "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'" },
        { $$"""{"username":"{{new string('a', 65)}}","password":"a-good-password"}""", "username must be 3-64 characters: latin letters, digits, '.', '_', '-' or '@'" },
        { """{"username":"someone-new","password":"123456789"}""", "password must be 10-1024 characters" },
        { $$"""{"username":"someone-new","password":"{{new string('p', 1025)}}"}""", "password must be 10-1024 characters" },
        { """{"username":"someone-new","password":"          "}""", "password must have at least 10 characters other than spaces" },
        { """{"username":"someone-new","password":"  a b c d e f g  "}""", "password must have at least 10 characters other than spaces" },
        { """{"username":"someone-new","password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}""", "password contains invalid characters" },
        { """{"username":"someone-new","password":"\u0001\u0001\u0001\u0001\u0001\u0001\u0001\u0001\u0001\u0001"}""", "password must not contain control characters" },
        { """{"username":"someone-new","password":"a-good-pass\tword"}""", "password must not contain control characters" },
        { """{"username":"someone-new-1","password":"someone-new-1"}""", "password must not be the username" },
        { """{"username":"someone-new-1","password":"SOMEONE-NEW-1"}""", "password must not be the username" },
        { """{"username":"someone-new","password":"someone-new2024!"}""", "password must not be the username" },
        { """{"username":"someone-new","password":"password123"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"QwertyUiop"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"1234567890"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"Monkey2024!!"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"iloveyou1234"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"abababababab"}""", "password is too common; choose a longer, less predictable one" },
        { """{"username":"someone-new","password":"a-good-password","role":"admin"}""", "role must be one of viewer, editor, superadmin" },
        { """{"username":"someone-new","password":"a-good-password","role":"Editor"}""", "role must be one of viewer, editor, superadmin" },
        { """{"username":"someone-new","password":"a-good-password","role":1}""", "role must be a string" },
        { """{"username":123,"password":"a-good-password"}""", "username must be a string" },
        { """{"username":"someone-new","password":"a-good-password","zones":"1,2"}""", "zones must be an array of positive integers" },
        { """{"username":"someone-new","password":"a-good-password","zones":[1,"2"]}""", "zones must be an array of positive integers" },
        { """{"username":"someone-new","password":"a-good-password","zones":[0]}""", "zones must be an array of positive integers" },
        { """{"username":"someone-new","password":"a-good-password","zones":[1.5]}""", "zones must be an array of positive integers" },
        { """{"username":"someone-new","password":"a-good-password","is_active":false}""", "unknown field: is_active" },
        { """{"username":"someone-new","password":"a-good-password","username":"twice"}""", "invalid json" },
        { """{"username":"someone-new","password":""", "invalid json" },
        { "[1,2]", "invalid json: an object is expected" },
        { "username=someone-new&password=a-good-password", "invalid json" },
    };

    [Theory]
    [MemberData(nameof(BadCreateBodies))]
    public async Task Create_refuses_bad_input_with_400_and_writes_nothing(string body, string error)
    {
        var root = await RootAsync();
        var users = await UserCountAsync();
        var audits = await map.AuditCountAsync("user.create");

        var response = await root.Http.PostAsync("/api/admin/users", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, error);
        Assert.Equal(users, await UserCountAsync());
        Assert.Equal(audits, await map.AuditCountAsync("user.create"));
    }

    [Fact]
    public async Task Create_refuses_an_existing_username_whatever_its_case()
    {
        var root = await RootAsync();
        var username = AdminTestContext.Unique("dup_x");
        await map.CreateAdminAsync(username, AdminRole.Viewer);

        var same = await root.Http.PostAsJsonAsync("/api/admin/users", new { username, password = "a-good-password" });
        var upper = await root.Http.PostAsJsonAsync("/api/admin/users", new { username = username.ToUpperInvariant(), password = "a-good-password" });
        var wildcardLookalike = await root.Http.PostAsJsonAsync("/api/admin/users", new { username = username.Replace('_', 'z'), password = "a-good-password" });

        await same.AssertErrorAsync(HttpStatusCode.BadRequest, "username already exists");
        await upper.AssertErrorAsync(HttpStatusCode.BadRequest, "username already exists");
        Assert.Equal(HttpStatusCode.Created, wildcardLookalike.StatusCode);
    }

    [Fact]
    public async Task Passwords_are_taken_exactly_as_typed()
    {
        var root = await RootAsync();
        var username = AdminTestContext.Unique("spaces");

        var created = await root.Http.PostAsJsonAsync("/api/admin/users", new { username, password = "  padded secret  " });
        var trimmed = await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username, password = "padded secret" });
        var exact = await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username, password = "  padded secret  " });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, trimmed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_400_whether_or_not_their_length_is_declared()
    {
        var root = await RootAsync();
        var users = await UserCountAsync();
        var zones = string.Join(",", Enumerable.Range(1, 10_000));
        var json = $$"""{"username":"{{AdminTestContext.Unique("big")}}","password":"a-good-password","zones":[{{zones}}]}""";

        var declared = await root.Http.PostAsync("/api/admin/users", new StringContent(json, Encoding.UTF8, "application/json"));
        var streamed = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        streamed.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/admin/users") { Content = new NonSeekable(streamed) };
        var undeclared = await root.Http.SendAsync(chunked);

        await declared.AssertErrorAsync(HttpStatusCode.BadRequest, "request body too large");
        await undeclared.AssertErrorAsync(HttpStatusCode.BadRequest, "request body too large");
        Assert.Equal(users, await UserCountAsync());
    }

    [Fact]
    public async Task Update_changes_any_subset_by_put_or_patch_and_audits_what_changed_without_the_password()
    {
        var root = await RootAsync();
        var id = await map.CreateAdminAsync(AdminTestContext.Unique("upd"), AdminRole.Viewer, zones: [4, 5]);

        var patched = await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "editor", zones = new[] { 6 } });
        var put = await root.Http.PutAsJsonAsync($"/api/admin/users/{id}", new { is_active = false, password = "another-password-1", role = "" });
        var cleared = await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { zones = Array.Empty<int>(), password = "" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var afterPatch = await patched.JsonAsync();
        Assert.Equal("editor", afterPatch.GetProperty("role").GetString());
        Assert.Equal([6], afterPatch.GetProperty("zones").EnumerateArray().Select(z => z.GetInt32()));
        var afterPut = await put.JsonAsync();
        Assert.Equal("editor", afterPut.GetProperty("role").GetString());
        Assert.False(afterPut.GetProperty("is_active").GetBoolean());
        Assert.Empty((await cleared.JsonAsync()).GetProperty("zones").EnumerateArray());

        var payloads = await AuditPayloadsAsync("user.update", id);
        Assert.Equal(3, payloads.Count);
        HttpAssertions.AssertJsonEqual("""{"role":{"from":"viewer","to":"editor"},"zones":{"from":[4,5],"to":[6]}}""", payloads[0].GetProperty("changes"));
        HttpAssertions.AssertJsonEqual("""{"password":"changed","is_active":{"from":true,"to":false}}""", payloads[1].GetProperty("changes"));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE payload::text LIKE '%another-password-1%'"));
    }

    [Fact]
    public async Task Update_of_an_unknown_account_is_404_and_a_no_op_writes_no_audit_row()
    {
        var root = await RootAsync();
        var id = await map.CreateAdminAsync(AdminTestContext.Unique("noop"), AdminRole.Editor);
        var before = await map.AuditCountAsync("user.update");

        var missing = await root.Http.PatchAsJsonAsync("/api/admin/users/999999", new { role = "viewer" });
        var notANumber = await root.Http.PatchAsJsonAsync("/api/admin/users/abc", new { role = "viewer" });
        var noop = await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "editor", is_active = true });

        await missing.AssertErrorAsync(HttpStatusCode.NotFound, "not found");
        await notANumber.AssertErrorAsync(HttpStatusCode.NotFound, "not found");
        Assert.Equal(HttpStatusCode.OK, noop.StatusCode);
        Assert.Equal(before, await map.AuditCountAsync("user.update"));
    }

    public static TheoryData<string, string> BadUpdateBodies => new()
    {
        { """{"role":"root"}""", "role must be one of viewer, editor, superadmin" },
        { """{"password":"short"}""", "password must be 10-1024 characters" },
        { """{"password":"          "}""", "password must have at least 10 characters other than spaces" },
        { """{"password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}""", "password contains invalid characters" },
        { """{"password":"qwertyuiop"}""", "password is too common; choose a longer, less predictable one" },
        { """{"password":"Password2025!"}""", "password is too common; choose a longer, less predictable one" },
        { """{"is_active":"yes"}""", "is_active must be true or false" },
        { """{"is_active":0}""", "is_active must be true or false" },
        { """{"zones":[-1]}""", "zones must be an array of positive integers" },
        { """{"zones":{"1":true}}""", "zones must be an array of positive integers" },
        { """{"password":12345678901}""", "password must be a string" },
        { """{"username":"rename-me"}""", "unknown field: username" },
        { """{"role":"viewer","id":1}""", "unknown field: id" },
        { "{\"role\":", "invalid json" },
        { "\"viewer\"", "invalid json: an object is expected" },
    };

    [Fact]
    public async Task Update_refuses_a_new_password_equal_to_the_accounts_username_and_keeps_the_old_one()
    {
        var root = await RootAsync();
        var username = AdminTestContext.Unique("samename");
        var id = await map.CreateAdminAsync(username, AdminRole.Editor, "old-good-password");

        var response = await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { password = username.ToUpperInvariant() });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "password must not be the username");
        Assert.Empty(await AuditPayloadsAsync("user.update", id));
        Assert.Equal("editor", (await map.Api.LoginAsync(username, "old-good-password")).Role);
    }

    [Theory]
    [MemberData(nameof(BadUpdateBodies))]
    public async Task Update_refuses_bad_input_with_400_and_changes_nothing(string body, string error)
    {
        var root = await RootAsync();
        var id = await map.CreateAdminAsync(AdminTestContext.Unique("bad"), AdminRole.Editor, zones: [1]);

        var response = await root.Http.PatchAsync($"/api/admin/users/{id}", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, error);
        Assert.Equal("editor", await map.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE id = $1", id));
        Assert.True(await map.ScalarAsync<bool>("SELECT is_active FROM admin.admin_users WHERE id = $1", id));
        Assert.Empty(await AuditPayloadsAsync("user.update", id));
    }

    [Fact]
    public async Task Delete_answers_ok_then_404_and_is_audited()
    {
        var root = await RootAsync();
        var username = AdminTestContext.Unique("del");
        var id = await map.CreateAdminAsync(username, AdminRole.Editor, zones: [9]);

        var deleted = await root.Http.DeleteAsync($"/api/admin/users/{id}");
        var again = await root.Http.DeleteAsync($"/api/admin/users/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await deleted.Content.ReadAsStringAsync());
        await again.AssertErrorAsync(HttpStatusCode.NotFound, "not found");
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_zones WHERE admin_id = $1", id));
        var audit = Assert.Single(await AuditPayloadsAsync("user.delete", id));
        Assert.Equal(username, audit.GetProperty("username").GetString());
        Assert.Equal(root.Username, await map.ScalarAsync<string>("SELECT actor FROM admin.admin_audit_log WHERE action = 'user.delete' AND (payload->>'id')::int = $1", id));
    }

    [Fact]
    public async Task Nobody_deletes_deactivates_or_demotes_themself()
    {
        var (selfId, self) = await map.SignInNewAsync("self", AdminRole.Superadmin);

        var delete = await self.Http.DeleteAsync($"/api/admin/users/{selfId}");
        var deactivate = await self.Http.PatchAsJsonAsync($"/api/admin/users/{selfId}", new { is_active = false });
        var demote = await self.Http.PutAsJsonAsync($"/api/admin/users/{selfId}", new { role = "editor" });
        var ownZones = await self.Http.PatchAsJsonAsync($"/api/admin/users/{selfId}", new { zones = new[] { 1 }, role = "superadmin", is_active = true });

        await delete.AssertErrorAsync(HttpStatusCode.Conflict, "you cannot delete your own account");
        await deactivate.AssertErrorAsync(HttpStatusCode.Conflict, "you cannot deactivate your own account");
        await demote.AssertErrorAsync(HttpStatusCode.Conflict, "you cannot demote your own account");
        Assert.Equal(HttpStatusCode.OK, ownZones.StatusCode);
        Assert.Equal("superadmin", await map.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE id = $1", selfId));
        Assert.Empty(await AuditPayloadsAsync("user.delete", selfId));
    }

    [Fact]
    public async Task Promoting_and_demoting_another_superadmin_is_allowed_while_one_remains()
    {
        var root = await RootAsync();
        var (otherId, other) = await map.SignInNewAsync("peer", AdminRole.Editor);

        var promote = await root.Http.PatchAsJsonAsync($"/api/admin/users/{otherId}", new { role = "superadmin" });
        var otherCanList = await other.Http.GetAsync("/api/admin/users");
        var demote = await root.Http.PatchAsJsonAsync($"/api/admin/users/{otherId}", new { role = "viewer" });
        var otherRefused = await other.Http.GetAsync("/api/admin/users");

        Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherCanList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherRefused.StatusCode);
    }

    private async Task<List<JsonElement>> AuditPayloadsAsync(string action, int id)
    {
        await using var command = map.Db.CreateCommand(
            "SELECT payload::text FROM admin.admin_audit_log WHERE action = $1 AND (payload->>'id')::int = $2 ORDER BY id");
        command.Parameters.AddWithValue(action);
        command.Parameters.AddWithValue(id);
        var result = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        }

        return result;
    }

    /// <summary>Content whose length is unknown, so the body is streamed without a Content-Length.</summary>
    private sealed class NonSeekable(HttpContent inner) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
