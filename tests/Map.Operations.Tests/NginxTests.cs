using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Map.Operations.Tests;

/// <summary>deploy/nginx.conf in a real nginx in front of the real Map: what clients see through the proxy.</summary>
[Collection(RunningMapCollection.Name)]
public sealed class NginxTests(RunningMap running)
{
    private static async Task<string> LoginAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("csrf_token").GetString()!;
    }

    private static Task<HttpResponseMessage> FailLoginAsync(HttpClient client, string? claimedAddress = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = JsonContent.Create(new { username = MapTestContext.RootUsername, password = "wrong-password" }),
        };
        if (claimedAddress is not null)
        {
            request.Headers.Add("X-Forwarded-For", claimedAddress);
        }

        return client.SendAsync(request);
    }

    [Fact]
    public async Task Health_and_readiness_answer_through_nginx()
    {
        using var client = running.ClientFrom("127.0.0.5");

        var health = await client.GetAsync("/health");
        var ready = await client.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("""{"status":"ok","db":"ok"}""", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ok","db":"ok","redis":"ok"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_admin_signs_in_and_calls_the_api_through_nginx_which_passes_host_and_scheme()
    {
        using var client = running.ClientFrom("127.0.0.7");
        var csrf = await LoginAsync(client);

        var token = await client.GetFromJsonAsync<JsonElement>("/api/realtime/token");
        // A client cannot claim HTTPS: nginx sets X-Forwarded-Proto from the connection.
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/realtime/token");
        post.Headers.Add("X-CSRF-Token", csrf);
        post.Headers.Add("X-Forwarded-Proto", "https");
        var posted = await client.SendAsync(post);
        using var withoutCsrf = new HttpRequestMessage(HttpMethod.Post, "/api/realtime/token");

        Assert.StartsWith($"ws://127.0.0.1:{running.Nginx.Port}/ws?token=", token.GetProperty("ws_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var postedBody = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("ws://", postedBody.GetProperty("ws_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(withoutCsrf)).StatusCode);
    }

    [Fact]
    public async Task A_websocket_gets_its_frames_through_nginx()
    {
        using var client = running.ClientFrom("127.0.0.8");
        await LoginAsync(client);
        var wsUrl = (await client.GetFromJsonAsync<JsonElement>("/api/realtime/token")).GetProperty("ws_url").GetString()!;
        using var socket = new ClientWebSocket();
        // A browser sends its page's origin; the app accepts it only when it matches the Host nginx passed on.
        socket.Options.SetRequestHeader("Origin", running.Nginx.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));

        await socket.ConnectAsync(new Uri(wsUrl), timeout.Token);
        var hello = JsonDocument.Parse(await ReceiveTextAsync(socket, timeout.Token)).RootElement;
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, timeout.Token);
        var pong = await ReceiveTextAsync(socket, timeout.Token);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal("hello", hello.GetProperty("event").GetString());
        Assert.Equal(MapTestContext.RootUsername, hello.GetProperty("data").GetProperty("username").GetString());
        Assert.Equal("pong", pong);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/metrics/")]
    [InlineData("/METRICS")]
    public async Task Metrics_are_refused_to_a_client_that_is_not_on_this_machine(string path)
    {
        using var remote = running.ClientFrom("127.0.0.5");

        var response = await remote.GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("""{"error":"forbidden"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_are_served_to_loopback_through_nginx()
    {
        using var local = running.ClientFrom("127.0.0.1");

        var response = await local.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("process_cpu_seconds_total", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limits_count_each_real_client_address_not_nginx_and_not_a_claimed_one()
    {
        using var first = running.ClientFrom("127.0.0.5");
        using var second = running.ClientFrom("127.0.0.6");

        var allowed = new List<HttpStatusCode>();
        for (var i = 0; i < RunningMap.LoginLimit; i++)
        {
            allowed.Add((await FailLoginAsync(first)).StatusCode);
        }

        var limited = await FailLoginAsync(first);
        var claimingAnotherAddress = await FailLoginAsync(first, claimedAddress: "10.9.9.9");
        var otherClient = await FailLoginAsync(second);

        Assert.All(allowed, code => Assert.Equal(HttpStatusCode.Unauthorized, code));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, claimingAnotherAddress.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherClient.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_the_app_sees_https_and_each_real_client_address()
    {
        // The proxy connects from its own address and says who the client is and that it spoke HTTPS. The session
        // cookie comes back Secure (the app knows the browser uses HTTPS), so it is passed on by hand here.
        HttpClient ProxiedClient(string clientAddress)
        {
            var client = running.ClientFrom(RunningMap.TlsProxy, useCookies: false);
            client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
            return client;
        }

        using var admin = ProxiedClient("203.0.113.7");
        using var first = ProxiedClient("203.0.113.8");
        using var second = ProxiedClient("203.0.113.9");
        var login = await admin.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var session = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal));
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, "/api/realtime/token");
        tokenRequest.Headers.Add("Cookie", session.Split(';')[0]);
        var token = await (await admin.SendAsync(tokenRequest)).Content.ReadFromJsonAsync<JsonElement>();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i <= RunningMap.LoginLimit; i++)
        {
            codes.Add((await FailLoginAsync(first)).StatusCode);
        }

        var otherClient = await FailLoginAsync(second);

        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith($"wss://127.0.0.1:{running.Nginx.Port}/ws?token=", token.GetProperty("ws_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);
        Assert.All(codes[..^1], code => Assert.Equal(HttpStatusCode.Unauthorized, code));
        Assert.Equal(HttpStatusCode.Unauthorized, otherClient.StatusCode);
    }

    [Fact]
    public async Task The_runbooks_audit_calls_answer_through_nginx()
    {
        using var stranger = running.ClientFrom("127.0.0.11");
        await FailLoginAsync(stranger);
        using var admin = running.ClientFrom("127.0.0.12");
        await LoginAsync(admin);

        var failures = await admin.GetAsync("/api/audit?limit=50&action=auth.login_failed");
        var rows = await failures.Content.ReadFromJsonAsync<JsonElement>();
        var verify = await admin.GetFromJsonAsync<JsonElement>("/api/audit/verify");

        Assert.Equal(HttpStatusCode.OK, failures.StatusCode);
        Assert.True(int.Parse(failures.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains(rows.EnumerateArray(), row => row.GetProperty("ip").GetString() == "127.0.0.11");
        Assert.True(verify.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Bodies_over_the_apps_limit_stop_at_nginx_and_smaller_ones_reach_the_app()
    {
        using var client = running.ClientFrom("127.0.0.9");

        using var tooLarge = new ByteArrayContent(new byte[(20 * 1024 * 1024) + 1]);
        tooLarge.Headers.ContentType = new("application/json");
        var refused = await client.PostAsync("/login", tooLarge);
        using var large = new ByteArrayContent(new byte[19 * 1024 * 1024]);
        large.Headers.ContentType = new("application/json");
        var passed = await client.PostAsync("/login", large);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, passed.StatusCode);
        Assert.Contains("X-Request-ID", passed.Headers.Select(h => h.Key));
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(message.ToArray());
    }
}
