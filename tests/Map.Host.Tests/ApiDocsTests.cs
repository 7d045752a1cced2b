using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Host.Tests;

/// <summary>
/// The OpenAPI document (decision 0090) against the app itself: every route of the EndpointDataSource is in it with
/// its access, and the documented response shapes are what the endpoints really answer.
/// </summary>
public sealed class ApiDocsTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    /// <summary>One admin session per app: the tests of this class together would exceed the login rate limit.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MapTestContext, Task<AdminClient>> Admins = new();

    /// <summary>Routes that are not the HTTP API: the Hangfire dashboard (its own UI) and the reference itself.</summary>
    private static readonly string[] NotApi = ["/hangfire", "/docs", "/openapi"];

    [Fact]
    public async Task Every_route_is_in_the_document_with_its_access()
    {
        var document = await DocumentAsync();
        var routes = Routes();

        Assert.True(routes.Count > 80, $"only {routes.Count} routes found");
        var undocumented = Undocumented(routes, document);
        Assert.True(undocumented.Count == 0, string.Join('\n', undocumented));
    }

    [Fact]
    public async Task The_check_catches_a_route_left_out_and_a_route_without_its_access()
    {
        var routes = Routes();
        var withoutPending = await DocumentAsync();
        ((JsonObject)withoutPending["paths"]!).Remove("/api/pending/count");
        var withoutSecurity = await DocumentAsync();
        ((JsonObject)withoutSecurity["paths"]!["/api/admin/users"]!["get"]!).Remove("security");
        var wrongScheme = await DocumentAsync();
        wrongScheme["paths"]!["/api/bot/webapp_submit"]!["post"]!["security"] = JsonNode.Parse("""[{"botKey":[]}]""");

        Assert.Contains("GET /api/pending/count: not in the document", Undocumented(routes, withoutPending));
        Assert.Contains(Undocumented(routes, withoutSecurity), p => p.StartsWith("GET /api/admin/users:", StringComparison.Ordinal));
        Assert.Contains(Undocumented(routes, wrongScheme), p => p.StartsWith("POST /api/bot/webapp_submit:", StringComparison.Ordinal));
    }

    /// <summary>
    /// Routes whose success answer the document does not describe, each with the reason; every other operation must
    /// declare a 2xx answer with a body (a schema or a content type), a 204 or a redirect.
    /// </summary>
    private static readonly Dictionary<string, string> WithoutSuccessShape = new()
    {
        ["GET /health"] = "the health check's own report (ASP.NET health checks, text or JSON by writer), not part of the API contract",
        ["GET /ready"] = "the readiness check's own report, as /health",
        ["GET /metrics"] = "the Prometheus exposition format (text), written by the exporter",
        ["GET /ws"] = "a WebSocket upgrade (101), its messages are the realtime events, not an HTTP answer",
        ["GET /assets/{module}/{path}"] = "static files of the pages (scripts, styles, images) in their own content types",
        ["HEAD /assets/{module}/{path}"] = "as GET /assets",
        ["POST /setrole/{role}"] = "a removed legacy route that only answers 403 (declared)",
    };

    [Fact]
    public async Task Every_route_declares_its_success_answer()
    {
        var document = await DocumentAsync();

        var missing = WithoutShape(document);

        var unexplained = missing.Where(route => !WithoutSuccessShape.ContainsKey(route)).Order().ToList();
        var stale = WithoutSuccessShape.Keys.Where(route => !missing.Contains(route)).Order().ToList();
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} routes declare no success answer:\n{string.Join('\n', unexplained)}");
        Assert.True(stale.Count == 0, $"allowed without a shape but declared (or gone): {string.Join(", ", stale)}");
    }

    [Fact]
    public async Task The_success_answer_check_catches_a_route_without_one()
    {
        var document = await DocumentAsync();
        var count = document["paths"]!["/api/pending/count"]!["get"]!["responses"]!.AsObject();
        count["200"] = JsonNode.Parse("{\"description\":\"OK\"}");

        Assert.Contains("GET /api/pending/count", WithoutShape(document));
    }

    /// <summary>Write routes (POST, PUT, PATCH) that read no body, each with the reason; every other one describes its body.</summary>
    private static readonly Dictionary<string, string> WithoutRequestBody = new()
    {
        ["POST /logout"] = "ends the caller's session (the cookie), reads no body",
        ["POST /setrole/{role}"] = "a removed legacy route that only answers 403",
        ["POST /api/realtime/token"] = "POST is GET's alias for the predecessor's tools; the token is for the caller's session",
        ["POST /api/chat/{userId}/read"] = "marks the dialog read by the signed-in admin; the dialog is the path's",
        ["POST /api/pending/clear"] = "clears every pending request (the editor's zones), reads no body",
        ["POST /api/offline/geocode:delete"] = "deletes the uploaded offline geocoding file, reads no body",
        ["POST /api/duty/admin/breaks/{breakId}/approve"] = "approves the break of the path's id, reads no body",
        ["POST /api/duty/admin/breaks/{breakId}/end"] = "ends the break of the path's id, reads no body",
        ["POST /api/duty/admin/sos/{sosId}/ack"] = "acknowledges the SOS of the path's id, reads no body",
        ["POST /api/duty/admin/sos/{sosId}/close"] = "closes the SOS of the path's id, reads no body",
        ["POST /api/tracker/admin/alerts/{alertId}/ack"] = "acknowledges the alert of the path's id, reads no body",
        ["POST /api/tracker/admin/alerts/{alertId}/close"] = "closes the alert of the path's id, reads no body",
        ["POST /api/tracker/admin/device/{id}/revoke"] = "revokes the device of the path's id, reads no body",
        ["POST /api/tracker/admin/device/{id}/restore"] = "restores the device of the path's id, reads no body",
        ["POST /api/tracker/admin/device/{id}/rotate"] = "issues a new token for the device of the path's id, reads no body",
    };

    [Fact]
    public async Task Every_write_route_describes_its_request_body()
    {
        var document = await DocumentAsync();

        var missing = WithoutBody(document);

        var unexplained = missing.Where(route => !WithoutRequestBody.ContainsKey(route)).Order().ToList();
        var stale = WithoutRequestBody.Keys.Where(route => !missing.Contains(route)).Order().ToList();
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} write routes describe no request body:\n{string.Join('\n', unexplained)}");
        Assert.True(stale.Count == 0, $"allowed without a body but described (or gone): {string.Join(", ", stale)}");

        // A file upload is a multipart form with a binary part; a field the handler reads as optional is not required.
        var import = document["paths"]!["/api/import"]!["post"]!["requestBody"]!["content"]!.AsObject();
        Assert.Equal(["multipart/form-data"], import.Select(c => c.Key));
        Assert.Equal("binary", import["multipart/form-data"]!["schema"]!["properties"]!["file"]!["format"]!.GetValue<string>());
        var address = document["paths"]!["/api/addresses"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["lat", "lon", "name"], address["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task The_request_body_check_catches_a_write_route_without_one()
    {
        var document = await DocumentAsync();
        ((JsonObject)document["paths"]!["/api/tracker/pair"]!["post"]!).Remove("requestBody");

        Assert.Contains("POST /api/tracker/pair", WithoutBody(document));
    }

    /// <summary>POST, PUT and PATCH operations without a request body that has content.</summary>
    private static HashSet<string> WithoutBody(JsonNode document)
    {
        var missing = new HashSet<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => o.Key is "post" or "put" or "patch"))
            {
                if (operation?["requestBody"]?["content"] is not JsonObject { Count: > 0 })
                {
                    missing.Add($"{method.ToUpperInvariant()} {path}");
                }
            }
        }

        return missing;
    }

    [Fact]
    public async Task Request_bodies_are_documented_and_legacy_clients_without_a_json_content_type_still_reach_the_handler()
    {
        var document = await DocumentAsync();
        var admin = await AdminAsync();
        var userId = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // One route per module: its body's fields are in the document (described only, no content-type constraint).
        (string Path, string Field)[] samples =
        [
            ("/login", "password"), ("/api/bot/markers", "message_id"), ("/api/duty/bot/shift/start", "unit_label"),
            ("/api/tracker/pair", "code"), ("/api/chat/{userId}", "text"),
        ];
        foreach (var (path, field) in samples)
        {
            var schema = document["paths"]?[path]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"];
            Assert.True(schema is not null, $"POST {path}: no documented request body");
            var properties = (schema["$ref"] is null ? schema : document["components"]!["schemas"]![schema["$ref"]!.GetValue<string>().Split('/')[^1]]!)["properties"];
            Assert.True(properties?[field] is not null, $"POST {path}: the body does not name {field}: {schema.ToJsonString()}");
        }

        // A phone that sends the pair request's JSON with no Content-Type at all, and a bot that sends text/plain.
        var issued = JsonNode.Parse(await (await admin.Http.PostAsJsonAsync("/api/tracker/admin/pair-code", new { label = "legacy" })).Content.ReadAsStringAsync())!;
        var bare = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($"{{\"code\":\"{issued["code"]!.GetValue<string>()}\"}}"));
        var paired = await map.App.CreateBrowser().PostAsync("/api/tracker/pair", bare);
        var officer = new StringContent($"{{\"user_id\":\"{userId}\",\"unit_label\":\"legacy\"}}", System.Text.Encoding.UTF8, "text/plain");
        var started = await map.App.CreateBot().PostAsync("/api/duty/bot/shift/start", officer);

        Assert.Null(bare.Headers.ContentType);
        Assert.Equal(HttpStatusCode.OK, paired.StatusCode);
        Assert.True(JsonNode.Parse(await paired.Content.ReadAsStringAsync())!["device_token"] is not null);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.True(JsonNode.Parse(await started.Content.ReadAsStringAsync())!["shift_id"] is not null);
    }

    /// <summary>
    /// The document names a schema after its type only, so two answer types of one name (say each module's
    /// <c>PendingView</c>) would share one schema and one of them would be documented wrong.
    /// </summary>
    [Fact]
    public void No_two_documented_types_share_a_name()
    {
        var types = new HashSet<Type>();
        void Walk(Type type)
        {
            if (type.Namespace?.StartsWith("Map.", StringComparison.Ordinal) == true ? !types.Add(type) : false)
            {
                return;
            }

            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                Walk(argument);
            }

            if (type.IsArray)
            {
                Walk(type.GetElementType()!);
            }

            if (type.Namespace?.StartsWith("Map.", StringComparison.Ordinal) == true)
            {
                foreach (var property in type.GetProperties())
                {
                    Walk(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
                }
            }
        }

        foreach (var metadata in Routes().SelectMany(r => r.Metadata))
        {
            switch (metadata)
            {
                case Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata { Type: { } answer }: Walk(answer); break;
                case ApiAlternativeAnswerAttribute alternative: Walk(alternative.AnswerType); break;
                case ApiRequestBodyAttribute body: Walk(body.BodyType); break;
            }
        }

        var shared = types.Where(t => !t.IsGenericType).GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => string.Join(" and ", g.Select(t => t.FullName))).ToList();
        Assert.True(types.Count > 50, $"only {types.Count} types found");
        Assert.True(shared.Count == 0, string.Join('\n', shared));
    }

    /// <summary>Operations without a 2xx answer that has content, without a 204 and without a redirect.</summary>
    private static HashSet<string> WithoutShape(JsonNode document)
    {
        var missing = new HashSet<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => o.Value?["responses"] is not null))
            {
                var declared = operation!["responses"]!.AsObject().Any(r =>
                    r.Key is "204" || r.Key.StartsWith('3') || (r.Key.StartsWith('2') && r.Value?["content"] is JsonObject { Count: > 0 }));
                if (!declared)
                {
                    missing.Add($"{method.ToUpperInvariant()} {path}");
                }
            }
        }

        return missing;
    }

    [Fact]
    public async Task The_document_and_the_reference_follow_API_DOCS_ACCESS()
    {
        var anonymous = map.App.CreateBrowser();
        var admin = await AdminAsync();
        var publicDocs = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["API_DOCS_ACCESS"] = "public" } });
        var noDocs = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["API_DOCS_ACCESS"] = "off" } });

        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await publicDocs.CreateBrowser().GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await noDocs.CreateBrowser().GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await noDocs.CreateBrowser().GetAsync("/docs")).StatusCode);
    }

    [Fact]
    public async Task The_reference_is_served_from_map_under_its_content_security_policy()
    {
        var admin = await AdminAsync();

        var redirect = await admin.Http.GetAsync("/docs");
        var page = await admin.Http.GetAsync("/docs/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal("/docs/", new Uri(new Uri("http://localhost/docs"), redirect.Headers.Location!).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>").Select(m => m.Value).ToList();
        Assert.NotEmpty(scripts);
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.All(scripts, tag => Assert.Contains($"nonce=\"{nonce}\"", tag, StringComparison.Ordinal));
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        var bundle = System.Text.RegularExpressions.Regex.Match(html, "<script[^>]*src=\"([^\"]+)\"").Groups[1].Value;
        var script = await admin.Http.GetAsync(new Uri(new Uri("http://localhost/docs/"), bundle));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the bundled scalar.js is served by Map");
    }

    [Fact]
    public async Task Documented_response_shapes_match_what_the_endpoints_answer()
    {
        var document = await DocumentAsync();
        var admin = await AdminAsync();
        var bot = map.App.CreateBot();
        var userId = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Created, (await bot.PostAsJsonAsync($"/api/chat/{userId}", new { text = "hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.Http.PostAsJsonAsync($"/api/chat/{userId}", new { text = "hi" })).StatusCode);

        var problems = new List<string>();
        // Admin, Markers, Chat: success bodies; Tracker: the device envelope's error; the platform's legacy 403.
        await CheckAsync(document, admin.Http, "/api/admin/users", "/api/admin/users", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/pending/count", "/api/pending/count", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/chat/{userId}", "/api/chat/{userId}", "get", 200, problems);
        await CheckAsync(document, map.App.CreateBrowser(), "/api/tracker/start", "/api/tracker/start", "post", 401, problems);
        await CheckAsync(document, map.App.CreateBrowser(), "/api/admin/users", "/api/admin/users", "get", 403, problems);

        // Admin: who is signed in (both variants), a new account, the audit log and its chain.
        await CheckAsync(document, admin.Http, "/me", "/me", "get", 200, problems);
        await CheckAsync(document, map.App.CreateBrowser(), "/me", "/me", "get", 200, problems);
        var account = new { username = $"docs{userId}", password = "Docs-shape-check-1!", role = "viewer", zones = Array.Empty<int>() };
        await CheckAsync(document, admin.Http, "/api/admin/users", "/api/admin/users", "post", 201, problems, account);
        await CheckAsync(document, admin.Http, "/api/audit?limit=5", "/api/audit", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/audit/verify", "/api/audit/verify", "get", 200, problems);

        // Markers: a bot's request (new, then repeated), its status, the bell, zones and the map.
        var marker = new { name = $"docs {userId}", lat = 53.9, lon = 27.56, user_id = userId, message_id = userId };
        await CheckAsync(document, bot, "/api/bot/markers", "/api/bot/markers", "post", 200, problems, marker);
        var pending = JsonNode.Parse(await (await bot.PostAsJsonAsync("/api/bot/markers", marker)).Content.ReadAsStringAsync())!["pending"]!.GetValue<int>();
        await CheckAsync(document, bot, "/api/bot/markers", "/api/bot/markers", "post", 200, problems, marker);
        await CheckAsync(document, bot, $"/api/bot/markers/{pending}", "/api/bot/markers/{pid}", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/requests/count", "/api/requests/count", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/requests/pending", "/api/requests/pending", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/zones", "/api/zones", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/pending", "/api/pending", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/pending?page=1&per_page=5", "/api/pending", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/addresses?page=1&per_page=5", "/api/addresses", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/admin/summary", "/api/admin/summary", "get", 200, problems);
        await CheckAsync(document, bot, "/admin/addresses?limit=3", "/admin/addresses", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/admin/applications", "/api/admin/applications", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/admin/applications?status=rejected", "/api/admin/applications", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/admin/applications/{pending}", "/api/admin/applications/{pid}", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/addresses/map?bbox=27,53,28,54&zoom=12", "/api/addresses/map", "get", 200, problems);

        // Duty: a bot starts a shift (then again: already active) and checks in; the dashboard shows the unit.
        var officer = new { user_id = userId, unit_label = "docs", lat = 53.9, lon = 27.56 };
        var shift = await CheckAsync(document, bot, "/api/duty/bot/shift/start", "/api/duty/bot/shift/start", "post", 200, problems, officer);
        await CheckAsync(document, bot, "/api/duty/bot/shift/start", "/api/duty/bot/shift/start", "post", 200, problems, officer);
        var shiftId = shift?["shift_id"]?.GetValue<int>();
        await CheckAsync(document, bot, "/api/duty/bot/checkin", "/api/duty/bot/checkin", "post", 200, problems, officer);
        await CheckAsync(document, admin.Http, "/api/duty/admin/dashboard", "/api/duty/admin/dashboard", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/duty/admin/sos/active", "/api/duty/admin/sos/active", "get", 200, problems);
        await CheckAsync(document, bot, "/api/duty/notify_targets", "/api/duty/notify_targets", "get", 200, problems);

        // Duty: a live location, an SOS from it, the session's stop (and again: none open), its track, the shift's detail.
        var live = new { user_id = userId, lat = 53.91, lon = 27.57, accuracy_m = 12.5, message_id = 4242, is_live = true };
        var located = await CheckAsync(document, bot, "/api/duty/bot/live_location", "/api/duty/bot/live_location", "post", 200, problems, live);
        var liveSession = located?["session_id"]?.GetValue<long>();
        await CheckAsync(document, bot, "/api/duty/bot/sos/last", "/api/duty/bot/sos/last", "post", 200, problems, new { user_id = userId, note = "docs" });
        await CheckAsync(document, admin.Http, $"/api/duty/admin/shift/{shiftId}/detail", "/api/duty/admin/shift/{shiftId}/detail", "get", 200, problems);
        await CheckAsync(document, bot, "/api/duty/bot/tracking/stop", "/api/duty/bot/tracking/stop", "post", 200, problems, new { user_id = userId, session_id = liveSession });
        await CheckAsync(document, bot, "/api/duty/bot/tracking/stop", "/api/duty/bot/tracking/stop", "post", 200, problems, new { user_id = userId });
        await CheckAsync(document, admin.Http, $"/api/duty/admin/tracking/{liveSession}", "/api/duty/admin/tracking/{sessionId}", "get", 200, problems);
        await CheckAsync(document, bot, "/api/duty/bot/shift/end", "/api/duty/bot/shift/end", "post", 200, problems, officer);
        await CheckAsync(document, bot, "/api/duty/bot/shift/end", "/api/duty/bot/shift/end", "post", 200, problems, officer);
        await CheckAsync(document, admin.Http, $"/api/duty/admin/shift/{shiftId}/detail", "/api/duty/admin/shift/{shiftId}/detail", "get", 200, problems);

        // Tracker retention (superadmin): the settings, a dry run (deletes nothing) and the last run before and after.
        await CheckAsync(document, admin.Http, "/api/admin/retention/preview", "/api/admin/retention/preview", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/admin/retention/last", "/api/admin/retention/last", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/admin/retention/run", "/api/admin/retention/run", "post", 200, problems, new { dry_run = true });
        await CheckAsync(document, admin.Http, "/api/admin/retention/last", "/api/admin/retention/last", "get", 200, problems);

        // Tracker: a pair code, pairing, a session with points, its stop (and again: none active), the admin's views.
        var issued = await CheckAsync(document, admin.Http, "/api/tracker/admin/pair-code", "/api/tracker/admin/pair-code", "post", 200, problems, new { label = "docs" });
        var paired = await CheckAsync(document, map.App.CreateBrowser(), "/api/tracker/pair", "/api/tracker/pair", "post", 200, problems, new { code = issued?["code"]?.GetValue<string>() });
        var phone = map.App.CreateBrowser();
        phone.DefaultRequestHeaders.Add("X-DEVICE-TOKEN", paired?["device_token"]?.GetValue<string>());
        var deviceId = paired?["device_id"]?.GetValue<string>();
        var session = await CheckAsync(document, phone, "/api/tracker/start", "/api/tracker/start", "post", 200, problems, new { lat = 53.9, lon = 27.56 });
        var point = new { ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lat = 53.9, lon = 27.56, accuracy_m = 8.5 };
        await CheckAsync(document, phone, "/api/tracker/points", "/api/tracker/points", "post", 200, problems, new { session_id = session?["session_id"]?.GetValue<long>(), points = new[] { point } });
        await CheckAsync(document, phone, "/api/tracker/health", "/api/tracker/health", "post", 200, problems, new { battery_pct = 80, net = "wifi" });
        await CheckAsync(document, phone, "/api/tracker/stop", "/api/tracker/stop", "post", 200, problems);
        await CheckAsync(document, phone, "/api/tracker/stop", "/api/tracker/stop", "post", 200, problems);
        await CheckAsync(document, admin.Http, "/api/tracker/admin/devices", "/api/tracker/admin/devices", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/tracker/admin/device/{deviceId}", "/api/tracker/admin/device/{id}", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/tracker/admin/device/{deviceId}/points", "/api/tracker/admin/device/{id}/points", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/tracker/admin/device/{deviceId}/health_log", "/api/tracker/admin/device/{id}/health_log", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/tracker/admin/metrics", "/api/tracker/admin/metrics", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/tracker/admin/problems", "/api/tracker/admin/problems", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/tracker/admin/alerts", "/api/tracker/admin/alerts", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/tracker/admin/alerts/ack_all", "/api/tracker/admin/alerts/ack_all", "post", 200, problems);
        await CheckAsync(document, admin.Http, "/api/system/lan-info", "/api/system/lan-info", "get", 200, problems);

        // Support chat: the bot's message, the admin's list and counters, read state.
        await CheckAsync(document, bot, $"/api/chat/{userId}", "/api/chat/{userId}", "post", 201, problems, new { text = "again", user = new { username = "docs" } });
        await CheckAsync(document, admin.Http, "/api/chat/conversations", "/api/chat/conversations", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/notifications/counters", "/api/notifications/counters", "get", 200, problems);
        await CheckAsync(document, bot, $"/api/chat/{userId}/unread_user", "/api/chat/{userId}/unread_user", "get", 200, problems);
        await CheckAsync(document, bot, $"/api/chat/{userId}/pending_admin", "/api/chat/{userId}/pending_admin", "get", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/chat/{userId}/read", "/api/chat/{userId}/read", "post", 200, problems);
        await CheckAsync(document, admin.Http, $"/api/chat/{userId}/status", "/api/chat/{userId}/status", "post", 200, problems, new { status = "closed" });

        // Event chat (chat2): a DM channel with the paired phone, a message, its history, the channel list, templates.
        var channel = await CheckAsync(document, admin.Http, "/api/chat2/ensure_dm_channel", "/api/chat2/ensure_dm_channel", "post", 201, problems, new { device_id = deviceId });
        var channelId = channel?["id"]?.GetValue<string>();
        var sent = await CheckAsync(document, admin.Http, "/api/chat2/send", "/api/chat2/send", "post", 201, problems, new { channel_id = channelId, text = "docs", client_msg_id = Guid.NewGuid().ToString() });
        await CheckAsync(document, admin.Http, $"/api/chat2/history?channel_id={channelId}", "/api/chat2/history", "get", 200, problems);
        await CheckAsync(document, phone, $"/api/chat2/sync?channel_id={channelId}", "/api/chat2/sync", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/chat2/channels", "/api/chat2/channels", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/chat2/templates", "/api/chat2/templates", "get", 200, problems);
        await CheckAsync(document, phone, "/api/chat2/read", "/api/chat2/read", "post", 200, problems, new { channel_id = channelId, last_read_message_id = sent?["id"]?.GetValue<string>() });
        await CheckAsync(document, admin.Http, "/api/chat2/metrics", "/api/chat2/metrics", "get", 200, problems);
        var pushToken = new { token = $"docs-{userId}-{Guid.NewGuid():N}" };
        await CheckAsync(document, phone, "/api/chat2/push/register", "/api/chat2/push/register", "post", 201, problems, pushToken);
        await CheckAsync(document, admin.Http, "/api/chat2/push/register", "/api/chat2/push/register", "post", 200, problems, pushToken);
        await CheckAsync(document, admin.Http, "/api/chat2/push/test", "/api/chat2/push/test", "post", 200, problems, pushToken);

        // The host: the realtime token and stats.
        await CheckAsync(document, admin.Http, "/api/realtime/token", "/api/realtime/token", "get", 200, problems);
        await CheckAsync(document, admin.Http, "/api/realtime/stats", "/api/realtime/stats", "get", 200, problems);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task The_shape_check_catches_a_wrong_declaration()
    {
        var admin = await AdminAsync();
        var answer = JsonNode.Parse(await admin.Http.GetStringAsync("/api/pending/count"));
        var right = JsonNode.Parse(await admin.Http.GetStringAsync("/openapi/v1.json"))!;
        var schema = right["paths"]!["/api/pending/count"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        var name = schema["$ref"]!.GetValue<string>().Split('/')[^1];
        var wrongType = right.DeepClone();
        wrongType["components"]!["schemas"]![name]!["properties"]!["count"] = JsonNode.Parse("{\"type\":\"string\"}");
        var extra = right.DeepClone();
        extra["components"]!["schemas"]![name]!["properties"]!["total"] = JsonNode.Parse("{\"type\":\"integer\"}");
        var undeclared = right.DeepClone();
        ((JsonObject)undeclared["components"]!["schemas"]![name]!["properties"]!).Remove("count");

        Assert.Empty(Problems(right, schema, answer));
        Assert.Contains(Problems(wrongType, schema, answer), p => p.StartsWith("$.count: is integer", StringComparison.Ordinal));
        Assert.Contains(Problems(extra, schema, answer), p => p.StartsWith("$.total: documented, not answered", StringComparison.Ordinal));
        Assert.Contains(Problems(undeclared, schema, answer), p => p.StartsWith("$.count: answered but not documented", StringComparison.Ordinal));

        static List<string> Problems(JsonNode document, JsonNode schema, JsonNode? value)
        {
            var problems = new List<string>();
            SchemaCheck.Check(document, schema, value, "$", problems);
            return problems;
        }
    }

    /// <summary>Checks one real answer against the document's schema for it; returns the answer for the next request.</summary>
    private static async Task<JsonNode?> CheckAsync(JsonNode document, HttpClient client, string url, string path, string method, int status, List<string> problems, object? body = null)
    {
        var response = method == "get" ? await client.GetAsync(url) : await client.PostAsync(url, JsonContent.Create(body ?? new { }));
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != status)
        {
            problems.Add($"{method} {url}: expected {status}, got {(int)response.StatusCode} {text}");
            return null;
        }

        var answer = JsonNode.Parse(text);
        var schema = document["paths"]?[path]?[method]?["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?["application/json"]?["schema"];
        if (schema is null)
        {
            problems.Add($"{method} {path}: no documented {status} JSON schema");
            return answer;
        }

        SchemaCheck.Check(document, schema, answer, $"{method} {url} {status} $", problems);
        return answer;
    }

    private Task<AdminClient> AdminAsync() => Admins.GetValue(map, context => context.App.LoginAsync());

    private async Task<JsonNode> DocumentAsync()
    {
        var admin = await AdminAsync();
        var response = await admin.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var document = JsonNode.Parse(text)!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        return document;
    }

    private sealed record Route(string Method, string Path, IReadOnlyList<object> Metadata);

    /// <summary>Every (method, route) the app serves, from its EndpointDataSource, in the document's path syntax.</summary>
    private List<Route> Routes()
    {
        var source = map.App.Services.GetRequiredService<EndpointDataSource>();
        return
        [
            .. source.Endpoints.OfType<RouteEndpoint>()
                .Select(e => (Endpoint: e, Path: "/" + string.Join('/', e.RoutePattern.PathSegments.Select(Segment))))
                .Where(e => !NotApi.Any(prefix => e.Path.StartsWith(prefix, StringComparison.Ordinal)))
                .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                    .Select(m => new Route(m, e.Path, [.. e.Endpoint.Metadata]))),
        ];
    }

    private static string Segment(Microsoft.AspNetCore.Routing.Patterns.RoutePatternPathSegment segment) =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            _ => "?",
        }));

    /// <summary>What the document lacks: a route, its <c>security</c>, or the scheme its metadata demands.</summary>
    private static List<string> Undocumented(IEnumerable<Route> routes, JsonNode document)
    {
        var problems = new List<string>();
        foreach (var route in routes)
        {
            var name = $"{route.Method} {route.Path}";
            var method = route.Method == "*" ? "get" : route.Method.ToLowerInvariant();
            var operation = document["paths"]?[route.Path]?[method];
            if (operation is null)
            {
                problems.Add($"{name}: not in the document");
                continue;
            }

            var expected = ExpectedSchemes(route.Metadata, method);
            var security = operation["security"] as JsonArray;
            var documented = security?.SelectMany(r => r!.AsObject().Select(p => p.Key)).ToHashSet() ?? [];
            var access = operation["x-map-access"]?.GetValue<string>();
            if (expected.Count == 0)
            {
                if (access != "public" || documented.Count > 0)
                {
                    problems.Add($"{name}: anonymous, documented as '{access}' with [{string.Join(',', documented)}]");
                }
            }
            else if (access is null or "public" || !expected.IsSubsetOf(documented) || !documented.IsSubsetOf(expected))
            {
                problems.Add($"{name}: needs [{string.Join(',', expected.Order())}], documented as '{access}' with [{string.Join(',', documented.Order())}]");
            }
        }

        return problems;
    }

    /// <summary>The schemes a route's metadata demands, independently of the document's transformer.</summary>
    private static HashSet<string> ExpectedSchemes(IReadOnlyList<object> metadata, string method)
    {
        var own = metadata.OfType<AuthenticatedByAttribute>().SelectMany(a => a.Schemes).ToHashSet();
        var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        if (policy is null || metadata.OfType<IAllowAnonymous>().Any())
        {
            return own;
        }

        var unsafeMethod = method is not ("get" or "head");
        var csrf = metadata.OfType<CsrfRequiredAttribute>().Any() || (unsafeMethod && !metadata.OfType<CsrfExemptAttribute>().Any());
        HashSet<string> session = csrf ? [ApiAuthSchemes.Session, ApiAuthSchemes.Csrf] : [ApiAuthSchemes.Session];
        HashSet<string> bot = metadata.OfType<AllowApiKeyInQueryAttribute>().Any() ? [ApiAuthSchemes.BotKey, ApiAuthSchemes.BotKeyQuery] : [ApiAuthSchemes.BotKey];
        return policy switch
        {
            MapPolicies.Bot => bot,
            MapPolicies.ViewerOrBot or MapPolicies.EditorOrBot => [.. session, .. bot],
            _ => session,
        };
    }
}

/// <summary>A strict check of a JSON value against an OpenAPI 3.1 schema: types, required and undeclared properties, items.</summary>
internal static class SchemaCheck
{
    public static void Check(JsonNode document, JsonNode schema, JsonNode? value, string at, List<string> problems)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var target = reference.Replace("#/", "", StringComparison.Ordinal).Split('/').Aggregate((JsonNode?)document, (node, key) => node?[key]);
            if (target is null)
            {
                problems.Add($"{at}: unresolved {reference}");
                return;
            }

            Check(document, target, value, at, problems);
            return;
        }

        if (schema["allOf"] is JsonArray parts)
        {
            // The tracker envelope: its own fields and the route's, one object.
            Check(document, Merged(document, parts), value, at, problems);
            return;
        }

        if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices)
        {
            var any = choices.Any(choice =>
            {
                var inner = new List<string>();
                Check(document, choice!, value, at, inner);
                return inner.Count == 0;
            });
            if (!any)
            {
                var reasons = choices.Select(choice =>
                {
                    var inner = new List<string>();
                    Check(document, choice!, value, at, inner);
                    return string.Join("; ", inner);
                });
                problems.Add($"{at}: matches none of {choices.ToJsonString()} ({string.Join(" | ", reasons)})");
            }

            return;
        }

        var types = Types(schema);
        if (types.Count == 0 && schema["properties"] is null && schema["items"] is null)
        {
            return; // {}: any JSON value (a JsonElement such as the audit payload)
        }

        var actual = TypeOf(value);
        if (types.Count > 0 && !types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
        {
            problems.Add($"{at}: is {actual}, documented [{string.Join(',', types)}]");
            return;
        }

        if (value is JsonObject obj)
        {
            var properties = schema["properties"] as JsonObject;
            foreach (var (name, item) in obj)
            {
                if (properties?[name] is { } property)
                {
                    Check(document, property, item, $"{at}.{name}", problems);
                }
                else if (!(schema["additionalProperties"] is JsonObject || schema["additionalProperties"]?.GetValueKind() == System.Text.Json.JsonValueKind.True))
                {
                    problems.Add($"{at}.{name}: answered but not documented");
                }
            }

            var required = (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()).ToHashSet();
            foreach (var name in required.Where(name => !obj.ContainsKey(name)))
            {
                problems.Add($"{at}.{name}: documented as required, not answered");
            }

            // The generator marks no property required, so one the endpoint never sends would pass unnoticed: a
            // property must be answered unless its schema admits null (fields left out when null are nullable).
            foreach (var (name, property) in properties ?? [])
            {
                if (!obj.ContainsKey(name) && !required.Contains(name) && !AdmitsNull(document, property!))
                {
                    problems.Add($"{at}.{name}: documented, not answered (and not nullable)");
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(document, items, array[i], $"{at}[{i}]", problems);
            }
        }
    }

    /// <summary>The object schema <c>allOf</c> describes: the properties and required names of its parts together.</summary>
    private static JsonObject Merged(JsonNode document, JsonArray parts)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var part in parts)
        {
            var target = Resolve(document, part!);
            foreach (var (name, property) in target?["properties"] as JsonObject ?? [])
            {
                properties[name] = property!.DeepClone();
            }

            foreach (var name in target?["required"] as JsonArray ?? [])
            {
                required.Add(name!.DeepClone());
            }
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
    }

    private static JsonNode? Resolve(JsonNode document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? Resolve(document, reference.Replace("#/", "", StringComparison.Ordinal).Split('/').Aggregate((JsonNode?)document, (node, key) => node?[key])!)
            : schema;

    private static bool AdmitsNull(JsonNode document, JsonNode schema)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var target = reference.Replace("#/", "", StringComparison.Ordinal).Split('/').Aggregate((JsonNode?)document, (node, key) => node?[key]);
            return target is null || AdmitsNull(document, target);
        }

        if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray choices)
        {
            return choices.Any(choice => AdmitsNull(document, choice!));
        }

        var types = Types(schema);
        return types.Count == 0 || types.Contains("null");
    }

    private static List<string> Types(JsonNode schema) => schema["type"] switch
    {
        JsonArray list => [.. list.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static string TypeOf(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            System.Text.Json.JsonValueKind.Number => value.ToJsonString().Contains('.', StringComparison.Ordinal) ? "number" : "integer",
            _ => "null",
        },
    };
}
