using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Map.Modules.Chat.Tests;

/// <summary>One <c>messages:send</c> call the stub received, and how it answered.</summary>
internal sealed record FcmCall(string Path, string? Authorization, string Token, string Title, string Body, IReadOnlyDictionary<string, string> Data, int Status);

/// <summary>
/// A local FCM HTTP v1 and Google OAuth token endpoint on a free loopback port (real Kestrel, real HTTP). It owns a
/// throwaway service account (<see cref="WriteCredentials"/>): its token endpoint accepts only JWT assertions signed by
/// that key for the FCM scope and audience, and <c>messages:send</c> answers as the test decides (<see cref="Respond"/>,
/// called with the send number starting at 1).
/// </summary>
internal sealed class FcmStub : IAsyncDisposable
{
    public const string ProjectId = "map-push-test";
    public const string ClientEmail = "push@map-push-test.iam.gserviceaccount.com";

    private readonly WebApplication app;
    private readonly RSA key = RSA.Create(2048);
    private int sends;
    private int tokensIssued;

    private FcmStub(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public string TokenUri => BaseUrl + "/token";

    public ConcurrentQueue<FcmCall> Calls { get; } = new();

    /// <summary>Access tokens issued (each a valid assertion); <c>stub-access-1</c>, <c>-2</c>, …</summary>
    public int TokensIssued => Volatile.Read(ref tokensIssued);

    /// <summary>Refused assertions (bad signature, issuer, audience or scope).</summary>
    public ConcurrentQueue<string> RefusedAssertions { get; } = new();

    /// <summary>Sends received so far, including ones still waiting for their answer.</summary>
    public int SendCount => Volatile.Read(ref sends);

    public Func<int, FcmCall, Task<(int Status, string Body)>> Respond { get; set; } = (_, _) => Task.FromResult(Ok);

    public static (int Status, string Body) Ok => (200, $$"""{"name":"projects/{{ProjectId}}/messages/0:1"}""");

    public static (int Status, string Body) ServerError => (500, """{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}""");

    public static (int Status, string Body) Unregistered => (404, """
        {"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
        "details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}
        """);

    public static (int Status, string Body) InvalidToken => (400, """
        {"error":{"code":400,"message":"The registration token is not a valid FCM registration token","status":"INVALID_ARGUMENT",
        "details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"}]}}
        """);

    public IReadOnlyList<FcmCall> Delivered => [.. Calls.Where(c => c.Status == 200)];

    public static async Task<FcmStub> StartAsync()
    {
        FcmStub? stub = null;
        var (app, baseUrl) = await LocalHttpServer.StartAsync(app =>
        {
            app.MapPost("/token", (HttpContext context) => stub!.TokenAsync(context));
            app.MapPost("/v1/projects/{project}/{action}", (HttpContext context) => stub!.SendAsync(context));
        });
        stub = new FcmStub(app) { BaseUrl = baseUrl };
        return stub;
    }

    /// <summary>Writes the service-account JSON file Map reads (the format of the Firebase console's download).</summary>
    public string WriteCredentials(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "fcm-service-account.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = ProjectId,
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["client_id"] = "1234567890",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = TokenUri,
        }));
        return path;
    }

    public string PrivateKeyPem => key.ExportPkcs8PrivateKeyPem();

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var assertion = form["assertion"].ToString();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || !Valid(assertion))
        {
            RefusedAssertions.Enqueue(assertion);
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", error_description = "Invalid JWT Signature." });
            return;
        }

        var n = Interlocked.Increment(ref tokensIssued);
        await context.Response.WriteAsJsonAsync(new { access_token = $"stub-access-{n}", expires_in = 3599, token_type = "Bearer" });
    }

    private bool Valid(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3
            || !key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return false;
        }

        using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
        using var claims = JsonDocument.Parse(FromBase64Url(parts[1]));
        var c = claims.RootElement;
        var lifetime = c.GetProperty("exp").GetInt64() - c.GetProperty("iat").GetInt64();
        return header.RootElement.GetProperty("alg").GetString() == "RS256"
            && c.GetProperty("iss").GetString() == ClientEmail
            && c.GetProperty("aud").GetString() == TokenUri
            && c.GetProperty("scope").GetString() == "https://www.googleapis.com/auth/firebase.messaging"
            && lifetime is > 0 and <= 3600;
    }

    private async Task SendAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var message = body.RootElement.GetProperty("message");
        var notification = message.GetProperty("notification");
        var call = new FcmCall(
            context.Request.Path,
            context.Request.Headers.Authorization.ToString(),
            message.GetProperty("token").GetString()!,
            notification.GetProperty("title").GetString()!,
            notification.GetProperty("body").GetString()!,
            message.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            0);
        var (status, answer) = await Respond(Interlocked.Increment(ref sends), call);
        Calls.Enqueue(call with { Status = status });
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer);
    }

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        key.Dispose();
    }
}
