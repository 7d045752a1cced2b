using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Map.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Host.Tests;

/// <summary>
/// The hostile-input corpus: every route that exists (read from the endpoint data source, so new routes are covered
/// without editing this file) gets NUL, lone surrogates, invalid UTF-8, emoji/flags/combining marks at and around
/// length limits, broken multipart, wrong content types, oversized bodies and extreme numbers, in its body, its query
/// and its route values, as a signed-in superadmin who also carries the bot key (so every policy lets it in).
/// No answer may be a 500, and a refused request (400/413/415) must leave every table as it was. Afterwards,
/// ordinary requests still succeed (no pooled connection was left broken). The routes are dealt into
/// <see cref="Shards"/> test cases, each on its own instance and database, so no single test runs near the runner's
/// 10-minute hang limit as routes are added (the whole corpus took about 10 minutes as one test).
/// </summary>
public sealed class HostileInputCorpusTests : IAsyncLifetime
{
    private static readonly string[] GenericFields =
    [
        "text", "name", "address", "notes", "description", "status", "category", "user_id", "message_id", "reason", "color",
        "icon", "sender", "first_name", "last_name", "display_name", "tg_username", "link", "photo", "reporter", "tg_user_id",
        "note", "label", "unit_label", "initData", "geometry", "query", "q",
    ];

    private static readonly string[] QueryNames =
    [
        "q", "status", "category", "action", "actor", "limit", "offset", "page", "per_page", "user_id", "zone_id", "before_id",
        "after_id", "since", "until", "from", "to", "initData", "dedupe", "force", "search", "name", "lat", "lon", "id", "format",
    ];

    private readonly MapTestContext map = new();
    private MapInstance app = null!;
    private HttpClient client = null!;
    private string fingerprintSql = "";

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        var settings = new Dictionary<string, string?>
        {
            ["TELEGRAM_BOT_TOKEN"] = "123456:corpus-token",
            ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "1000000",
            ["RATE_LIMIT_CHAT_PER_MINUTE"] = "1000000",
            ["RATE_LIMIT_BOT_MARKERS_PER_MINUTE"] = "1000000",
            ["RATE_LIMIT_BOT_STATUS_PER_MINUTE"] = "1000000",
            ["RATE_LIMIT_BOT_CANCEL_PER_MINUTE"] = "1000000",
            ["RATE_LIMIT_BOT_MYREQ_PER_MINUTE"] = "1000000",
            ["UPLOAD_DIR"] = Path.Combine(Path.GetTempPath(), "map-corpus-" + Guid.NewGuid().ToString("N")),
        };
        app = map.StartInstance(new MapHostOptions { Settings = settings });
        var admin = await app.LoginAsync();
        client = admin.Http;
        client.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        fingerprintSql = await BuildFingerprintSqlAsync();
    }

    public Task DisposeAsync() => map.DisposeAsync();

    private const int Shards = 4;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task No_route_answers_500_to_hostile_input_refusals_write_nothing_and_ordinary_requests_still_work(int shard)
    {
        var failures = new List<string>();
        var sent = 0;
        // One fingerprint per request: taken after each answer, it is the "before" of the next request. Hostile route
        // values get one request each; the body and query inputs go to the route's ordinary path.
        var fingerprint = await FingerprintAsync();
        var sessionAlive = true;
        foreach (var (method, pattern) in Routes().Where((_, index) => index % Shards == shard))
        {
            var paths = Paths(pattern).ToList();
            var inputs = Inputs(method).ToList();
            var requests = inputs.Select(input => (Path: paths[0], input.Label, input.Build))
                .Concat(paths.Skip(1).Select(path => (Path: path, Label: "route value", Build: inputs[0].Build)));
            foreach (var (path, label, build) in requests)
            {
                using var request = build(method, path);
                using var response = await client.SendAsync(request);
                sent++;
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                var after = await FingerprintAsync();
                if (status >= 500)
                {
                    failures.Add($"{method} {path} [{label}] → {status} {Clip(body)}");
                }
                else if (status is 400 or 413 or 415 && after != fingerprint)
                {
                    failures.Add($"{method} {path} [{label}] → {status} but a table changed: {Clip(body)}");
                }

                fingerprint = after;
                // No request, refused or not, may end or replace the caller's own session.
                if (sessionAlive && method != "GET")
                {
                    var me = await client.GetStringAsync("/me");
                    if (!me.Contains("\"superadmin\"", StringComparison.Ordinal))
                    {
                        failures.Add($"{method} {path} [{label}] → {status} ended the caller's session: /me says {Clip(me)}");
                        sessionAlive = false;
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} hostile requests misbehaved:\n" + string.Join('\n', failures.Take(60)));
        Assert.True(sent > 1000 / Shards, $"only {sent} requests were sent");

        // Row 15: after all of that, the pool still serves ordinary requests on every connection. They come from an
        // ordinary browser session (no bot key beside the cookie, as no real client sends both).
        var browser = (await app.LoginAsync()).Http;
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/addresses")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/chat/conversations")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/audit?limit=5")).StatusCode);
            var message = await browser.PostAsJsonAsync($"/api/chat/after-corpus-{i}", new { text = "привет 👋" });
            Assert.Equal(HttpStatusCode.Created, message.StatusCode);
        }
    }

    private IEnumerable<(string Method, RoutePattern Pattern)> Routes()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var raw = endpoint.RoutePattern.RawText ?? "";
            // Logout would end the corpus's own session; the socket route is a WebSocket upgrade.
            if (raw.Contains("logout", StringComparison.Ordinal) || raw == "/ws")
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"];
            foreach (var method in methods.Where(m => m is not "HEAD" and not "OPTIONS"))
            {
                yield return (method, endpoint.RoutePattern);
            }
        }
    }

    /// <summary>Concrete paths: ordinary values, then hostile ones in each string route value.</summary>
    private static IEnumerable<string> Paths(RoutePattern pattern)
    {
        string Build(Func<RoutePatternParameterPart, string> value) =>
            "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternSeparatorPart separator => separator.Content,
                RoutePatternParameterPart parameter => value(parameter),
                _ => "",
            }))));

        static bool IsNumeric(RoutePatternParameterPart p) =>
            p.ParameterPolicies.Any(policy => policy.Content is "int" or "long");

        string Ordinary(RoutePatternParameterPart p) =>
            IsNumeric(p) ? "999999" : p.IsCatchAll ? "stats" : "corpus-user";

        yield return Build(Ordinary);
        if (!pattern.Parameters.Any(p => !IsNumeric(p) && !p.IsCatchAll))
        {
            yield break;
        }

        foreach (var hostile in new[] { "%20", "a%0D%0Ab", "%E2%80%AEabc", "%ED%A0%80", Uri.EscapeDataString("a" + Repeat("😀", 40)), Uri.EscapeDataString(Repeat("🇷🇺", 40)) })
        {
            yield return Build(p => IsNumeric(p) ? "1" : p.IsCatchAll ? "stats" : hostile);
        }
    }

    private static IEnumerable<(string Label, Func<string, string, HttpRequestMessage> Build)> Inputs(string method)
    {
        if (method is "GET" or "DELETE")
        {
            foreach (var (label, value) in QueryValues())
            {
                yield return ($"query {label}", (m, path) => new HttpRequestMessage(new HttpMethod(m), path + "?" + string.Join('&', QueryNames.Select(n => $"{n}={value}"))));
            }
        }

        if (method == "GET")
        {
            yield break;
        }

        foreach (var (label, json) in JsonBodies())
        {
            yield return ($"json {label}", (m, path) => new HttpRequestMessage(new HttpMethod(m), path) { Content = Json(json) });
        }

        yield return ("json invalid utf-8", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes([.. "{\"text\":\"a"u8, 0xFF, 0xFE, 0xC3, .. "\",\"username\":\"x\",\"name\":\"b"u8, 0xED, 0xA0, 0x80, .. "\"}"u8], "application/json"),
        });
        yield return ("multipart with a JSON body", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("{\"text\":\"hi\",\"lat\":1,\"lon\":2}"), "multipart/form-data; boundary=zz"),
        });
        yield return ("multipart without its closing boundary", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("--zz\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n--zz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunfinished"), "multipart/form-data; boundary=zz"),
        });
        yield return ("multipart without a boundary", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("--zz\r\n\r\n"), "multipart/form-data"),
        });
        yield return ("multipart NUL field and file name", (m, path) =>
        {
            var form = new MultipartFormDataContent("corpus")
            {
                { new StringContent("a\0b"), "name" },
                { new StringContent("a\0b"), "text" },
                { new ByteArrayContent([0x89, 0x50, 0x4E, 0x47]), "file", "x.png" },
            };
            return new HttpRequestMessage(new HttpMethod(m), path) { Content = form };
        }
        );
        yield return ("form NUL", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.ASCII.GetBytes(string.Join('&', GenericFields.Select(f => f + "=a%00b"))), "application/x-www-form-urlencoded"),
        });
        yield return ("form invalid utf-8", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.ASCII.GetBytes(string.Join('&', GenericFields.Select(f => f + "=a%FF%ED%A0%80b"))), "application/x-www-form-urlencoded"),
        });
        yield return ("text/plain JSON", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("{\"text\":\"a\\u0000\"}"), "text/plain"),
        });
        yield return ("xml", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><a>\u0000</a>"), "application/xml"),
        });
        yield return ("oversized 3 MiB JSON", (m, path) => new HttpRequestMessage(new HttpMethod(m), path)
        {
            Content = Bytes(Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', 3 * 1024 * 1024) + "\"}"), "application/json"),
        });
    }

    private static IEnumerable<(string Label, string Value)> QueryValues()
    {
        yield return ("NUL", "a%00b");
        yield return ("encoded surrogate", "a%ED%A0%80b");
        yield return ("invalid utf-8", "a%FF%FEb");
        yield return ("emoji 200", Uri.EscapeDataString(Repeat("😀", 200)));
        yield return ("extreme number", "99999999999999999999999");
        yield return ("negative", "-2147483649");
        yield return ("float", "1e308");
    }

    private static IEnumerable<(string Label, string Json)> JsonBodies()
    {
        string Object(IEnumerable<string> fields, string valueJson) => "{" + string.Join(',', fields.Select(f => $"\"{f}\":{valueJson}")) + "}";
        string[] adminFields = ["username", "password"];
        foreach (var (label, value) in new[]
        {
            ("NUL", "\"a\\u0000b\""),
            ("lone high surrogate", "\"\\ud800\""),
            ("lone low surrogate", "\"a\\udc00b\""),
            ("reversed pair", "\"\\udc00\\ud800\""),
            ("NUL in a nested object", "{\"x\":\"\\u0000\"}"),
            ("lone surrogate in a field name", "{\"\\ud800\":1}"),
        })
        {
            yield return ($"{label} (generic)", Object(GenericFields, value));
            yield return ($"{label} (admin)", Object(adminFields, value));
        }

        foreach (var count in new[] { 28, 32, 33, 64, 65, 256 })
        {
            foreach (var (kind, unit) in new[] { ("emoji", "😀"), ("flag", "🇷🇺"), ("combining", "é"), ("family", "👨‍👩‍👧") })
            {
                var text = System.Text.Json.JsonSerializer.Serialize("a" + Repeat(unit, count));
                yield return ($"{kind}×{count} (generic)", Object(GenericFields, text)[..^1] + ",\"lat\":55.75,\"lon\":37.61}");
                yield return ($"{kind}×{count} (admin)", Object(adminFields, text));
            }
        }

        yield return ("extreme numbers", "{\"lat\":1e308,\"lon\":-1e308,\"zone_id\":99999999999999999999,\"id\":2147483648,\"message_id\":-9223372036854775809," +
            "\"ids\":[1e400,2147483648,-1],\"zones\":[2147483648],\"is_active\":1,\"coords\":{\"lat\":1e999,\"lon\":\"NaN\"},\"limit\":1e20," +
            "\"last_read_message_id\":1e30,\"user_id\":1e400,\"text\":12345678901234567890}");
        yield return ("wrong types", "{\"text\":[],\"username\":{},\"password\":[1],\"ids\":\"x\",\"zones\":{},\"is_active\":\"yes\",\"user\":\"x\",\"coords\":[1,2]}");
        yield return ("array body", "[{\"text\":\"a\"}]");
        yield return ("deep nesting", new string('[', 5000) + new string(']', 5000));
        yield return ("duplicate fields", "{\"username\":\"a\",\"username\":\"\\u0000\"}");
    }

    private async Task<string> BuildFingerprintSqlAsync()
    {
        var tables = new List<string>();
        await using (var command = map.Db.CreateCommand(
            "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables " +
            "WHERE table_type = 'BASE TABLE' AND table_schema IN ('admin', 'markers', 'chat', 'duty', 'tracker', 'platform') " +
            // A session's last_seen_at moves every 5 minutes on whatever request comes: bookkeeping, not the request's effect.
            "AND (table_schema, table_name) <> ('admin', 'admin_sessions') ORDER BY 1"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        // Row count and the newest row version per table: an insert, update or delete changes one of them.
        return "SELECT concat_ws('|', " + string.Join(", ", tables.Select(t => $"(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM {t})")) + ")";
    }

    private async Task<string> FingerprintAsync()
    {
        await using var command = map.Db.CreateCommand(fingerprintSql);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static string Repeat(string unit, int count) => string.Concat(Enumerable.Repeat(unit, count));

    private static string Clip(string body) => body.Length <= 300 ? body : body[..300];
}
